"""GET /repo/v1/entity/{id}/version/{v}: Synapse's JSON, errors and id handling."""

from __future__ import annotations

import pytest

from tests.emulator.calls import ERROR_RESPONSE, Synapse, md5_of
from tests.emulator_handle import EmulatorHandle

FILE_ENTITY = "org.sagebionetworks.repo.model.FileEntity"
DATASET = "org.sagebionetworks.repo.model.table.Dataset"


async def test_file_entity_at_version_has_synapses_fields_and_no_nulls(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("multi_version_v1")
    answer = await synapse.entity("alice", obj["entity_id"], 1)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json; charset=UTF-8"
    body = answer.json
    assert body["id"] == obj["entity_id"]
    assert body["concreteType"] == FILE_ENTITY
    assert body["versionNumber"] == 1
    assert body["versionLabel"] == "1"
    assert body["isLatestVersion"] is False
    assert body["dataFileHandleId"] == obj["file_handle_id"]
    assert body["createdOn"] == "2024-01-01T00:00:00.000Z"
    assert body["createdBy"] == emulator.user_id("alice")
    assert None not in body.values()


async def test_each_version_has_its_own_file_handle_and_only_the_last_is_latest(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    versions = [emulator.obj(f"multi_version_v{v}") for v in (1, 2, 3)]
    assert len({o["entity_id"] for o in versions}) == 1
    bodies = [(await synapse.entity("alice", o["entity_id"], o["version"])).json for o in versions]
    assert len({b["dataFileHandleId"] for b in bodies}) == 3
    assert [b["isLatestVersion"] for b in bodies] == [False, False, True]
    assert len({o["md5"] for o in versions}) == 3


async def test_dataset_size_and_checksum_are_computed_from_its_items(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """size = sum of item sizes; checksum = md5 of the sorted concatenation of item md5s."""
    obj = emulator.obj("dataset")
    body = (await synapse.entity("alice", obj["entity_id"], 1)).json
    assert body["concreteType"] == DATASET
    items = [f"{i['entityId']}.{i['versionNumber']}" for i in body["items"]]
    assert items == obj["contents"]
    md5s, total = [], 0
    for item in body["items"]:
        bundle = await synapse.bundle("alice", item["entityId"], item["versionNumber"])
        entity = bundle.json["entity"]
        handle = next(
            h for h in bundle.json["fileHandles"] if h["id"] == entity["dataFileHandleId"]
        )
        md5s.append(handle["contentMd5"])
        total += handle["contentSize"]
    assert body["size"] == total == obj["size"]
    assert body["checksum"] == md5_of("".join(sorted(md5s)).encode()) == obj["md5"]
    assert body["count"] == len(items)


async def test_empty_dataset_has_no_items_size_checksum_or_count(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """DatasetMetadataProvider computes the totals only over a non-null item list."""
    obj = emulator.obj("empty_dataset")
    body = (await synapse.entity("bob", obj["entity_id"], 1)).json
    assert not {"items", "size", "checksum", "count"} & set(body)
    assert (obj["contents"], obj["md5"], obj["size"]) == ([], None, None)


async def test_a_dataset_of_items_without_md5s_has_no_checksum_and_size_zero(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """getFileSummary's SQL: MD5(GROUP_CONCAT) of only NULLs is NULL; SUM of NULLs reads as 0."""
    obj = emulator.obj("dataset_no_md5")
    item = emulator.obj("external_file_no_md5")
    body = (await synapse.entity("dave", obj["entity_id"], 1)).json
    assert "checksum" not in body
    assert (body["size"], body["count"]) == (0, 1)
    assert obj["contents"] == [item["drs_id"]]
    assert (obj["md5"], obj["size"]) == (None, 0)


@pytest.mark.parametrize(
    ("case", "concrete_type"),
    [
        ("project", "org.sagebionetworks.repo.model.Project"),
        ("folder", "org.sagebionetworks.repo.model.Folder"),
    ],
)
async def test_containers_answer_with_their_type_and_no_version_fields(
    emulator: EmulatorHandle, synapse: Synapse, case: str, concrete_type: str
) -> None:
    body = (await synapse.entity("bob", emulator.obj(case)["entity_id"], 1)).json
    assert body["concreteType"] == concrete_type
    assert "versionNumber" not in body


async def test_missing_entity_is_404_resource_does_not_exist(synapse: Synapse) -> None:
    answer = await synapse.entity("alice", "syn999999999", 1)
    assert answer.status == 404
    assert answer.json == {
        "concreteType": ERROR_RESPONSE,
        "reason": "Resource: 'syn999999999' does not exist",
    }


async def test_missing_version_is_404_cannot_find_a_node(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    entity_id = emulator.obj("multi_version_v3")["entity_id"]
    answer = await synapse.entity("alice", entity_id, 9)
    assert answer.status == 404
    assert answer.reason == f"Cannot find a node with id {entity_id} and version 9"


async def test_trashed_entity_is_404_in_trash_can_for_its_owner_too(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("trashed_file")
    message = f"Entity {obj['entity_id']} is in trash can."
    for answer in (
        await synapse.entity("alice", obj["entity_id"], 1),
        await synapse.bundle("alice", obj["entity_id"], 1),
        await synapse.file_url("alice", obj["file_handle_id"], obj["entity_id"]),
    ):
        assert (answer.status, answer.reason) == (404, message)


async def test_no_read_permission_is_403_lack_read(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("readable_not_downloadable")
    for user in ("carol", "anonymous"):
        answer = await synapse.entity(user, obj["entity_id"], 1)
        assert (answer.status, answer.reason) == (
            403,
            "You lack READ access to the requested entity.",
        )


async def test_anonymous_reads_a_public_entity(emulator: EmulatorHandle, synapse: Synapse) -> None:
    obj = emulator.obj("public_file")
    assert (await synapse.entity("anonymous", obj["entity_id"], 1)).status == 200


@pytest.mark.parametrize("form", ["SYN{n}", "{n}", " syn{n} "])
async def test_entity_ids_are_read_as_synapse_reads_them(
    emulator: EmulatorHandle, synapse: Synapse, form: str
) -> None:
    """KeyFactory: the syn prefix is optional and case-insensitive; the answer uses synN."""
    obj = emulator.obj("public_file")
    number = obj["entity_id"].removeprefix("syn")
    answer = await synapse.entity("alice", form.format(n=number).replace(" ", "%20"), 1)
    assert answer.status == 200
    assert answer.json["id"] == obj["entity_id"]


@pytest.mark.parametrize("bad", ["syn12x", "abc", "syn"])
async def test_malformed_entity_id_is_400_invalid_entity_id(synapse: Synapse, bad: str) -> None:
    answer = await synapse.entity("alice", bad, 1)
    assert (answer.status, answer.reason) == (400, f"Invalid Entity ID: {bad}")


async def test_non_numeric_version_is_400(emulator: EmulatorHandle, synapse: Synapse) -> None:
    answer = await synapse.entity("alice", emulator.obj("public_file")["entity_id"], "one")
    assert answer.status == 400
    assert answer.json["concreteType"] == ERROR_RESPONSE


async def test_user_profile_names_the_caller_and_anonymous(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    alice = (await synapse.call("GET", "/repo/v1/userProfile", "alice")).json
    assert (alice["ownerId"], alice["userName"]) == (emulator.user_id("alice"), "alice")
    anonymous = (await synapse.call("GET", "/repo/v1/userProfile")).json
    assert (anonymous["ownerId"], anonymous["userName"]) == ("273950", "anonymous")


async def test_an_invalid_token_is_401_with_www_authenticate_on_every_endpoint(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    bad = {"Authorization": f"Bearer {emulator.manifest['invalid_token']}"}
    obj = emulator.obj("public_file")
    paths = [
        ("GET", f"/repo/v1/entity/{obj['entity_id']}/version/1"),
        ("POST", f"/repo/v1/entity/{obj['entity_id']}/version/1/bundle2"),
        ("POST", "/file/v1/fileHandle/batch"),
        ("GET", f"/file/v1/file/{obj['file_handle_id']}"),
        ("GET", f"/file/v1/fileHandle/{obj['file_handle_id']}"),
        ("GET", f"/file/v1/fileHandle/{obj['file_handle_id']}/url"),
        ("GET", "/repo/v1/userProfile"),
    ]
    for method, path in paths:
        answer = await synapse.call(method, path, headers=bad, json_body={})
        assert answer.status == 401, path
        assert answer.json == {"concreteType": ERROR_RESPONSE, "reason": "Invalid access token"}
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="Synapse Repository Services"'


async def test_a_lower_case_bearer_scheme_is_silently_anonymous(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """Synapse matches "Bearer " exactly; `bearer <token>` is treated as no credentials."""
    headers = {"Authorization": f"bearer {emulator.token('alice')}"}
    answer = await synapse.call("GET", "/repo/v1/userProfile", headers=headers)
    assert answer.json["userName"] == "anonymous"


async def test_every_answer_sets_a_session_cookie(synapse: Synapse) -> None:
    answer = await synapse.call("GET", "/repo/v1/userProfile")
    assert "sessionID=" in answer.headers["Set-Cookie"]


async def test_an_unknown_synapse_path_is_a_json_404(synapse: Synapse) -> None:
    answer = await synapse.call("GET", "/repo/v1/nothing/here")
    assert answer.status == 404
    assert answer.json["concreteType"] == ERROR_RESPONSE
