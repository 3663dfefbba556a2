"""GET /objects/{id}: blobs, raw file handles, bundles and their errors (docs/behaviour.md §4)."""

from __future__ import annotations

import pytest

from adapter.resolver import EMPTY_MD5, MSG_NESTED_BUNDLE, MSG_NO_DOWNLOAD, MSG_UNSUPPORTED
from tests.drs_client import Drs, DrsFactory
from tests.emulator_handle import EmulatorHandle


def _host(drs: Drs) -> str:
    return f"{drs.client.host}:{drs.client.port}"


async def test_file_entity_is_a_blob_with_its_data_file_handle(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    answer = await drs.object(case["drs_id"], user="alice")
    assert answer.status == 200
    body = answer.body
    assert body["id"] == case["drs_id"]
    assert body["name"] == case["name"]
    assert body["self_uri"] == f"drs://{_host(drs)}/{case['drs_id']}"
    assert body["size"] == case["size"]
    assert body["mime_type"] == case["mime_type"]
    assert body["version"] == case["drs_id"].split(".")[1]
    assert body["checksums"] == [{"checksum": case["md5"], "type": "md5"}]
    assert body["access_methods"] == [
        {"type": "https", "access_id": case["access_id"], "available": True}
    ]
    assert body["description"] == case["description"]
    assert body["created_time"].startswith("20")
    assert "contents" not in body
    assert None not in body.values()


async def test_configured_drs_hostname_is_used_in_self_uri(drs_factory: DrsFactory) -> None:
    drs = await drs_factory(drs_hostname="drs.example.org")
    case = drs.emulator.obj("dataset")
    answer = await drs.object(case["drs_id"], user="alice")
    assert answer.body["self_uri"] == f"drs://drs.example.org/{case['drs_id']}"
    assert all(
        c["drs_uri"][0].startswith("drs://drs.example.org/") for c in answer.body["contents"]
    )


async def test_preview_handle_is_never_taken_for_the_data(drs: Drs) -> None:
    case = drs.emulator.obj("preview_file")
    answer = await drs.object(case["drs_id"], user="alice")
    assert answer.status == 200
    assert answer.body["checksums"][0]["checksum"] == case["md5"]
    assert answer.body["size"] == case["size"]
    assert answer.body["access_methods"][0]["access_id"] == case["access_id"]


async def test_each_version_is_its_own_blob(drs: Drs) -> None:
    versions = [drs.emulator.obj(f"multi_version_v{v}") for v in (1, 2, 3)]
    assert len({v["drs_id"].split(".")[0] for v in versions}) == 1
    seen = set()
    for case in versions:
        answer = await drs.object(case["drs_id"], user="alice")
        assert answer.status == 200
        assert answer.body["checksums"][0]["checksum"] == case["md5"]
        assert answer.body["access_methods"][0]["access_id"] == case["access_id"]
        seen.add(case["md5"])
    assert len(seen) == 3


async def test_raw_file_handle_is_a_blob_for_its_creator(drs: Drs) -> None:
    case = drs.emulator.obj("raw_file_handle")
    answer = await drs.object(case["drs_id"], user="alice")
    assert answer.status == 200
    body = answer.body
    assert body["id"] == case["drs_id"]
    assert body["name"] == case["name"]
    assert body["size"] == case["size"]
    assert body["checksums"] == [{"checksum": case["md5"], "type": "md5"}]
    assert body["access_methods"] == [
        {"type": "https", "access_id": case["access_id"], "available": True}
    ]
    assert "version" not in body
    assert "description" not in body


async def test_raw_file_handle_of_someone_else_passes_synapse_403(drs: Drs) -> None:
    case = drs.emulator.obj("raw_file_handle")
    handle = case["access_id"]
    bob_id = drs.emulator.manifest["users"]["bob"]["id"]
    answer = await drs.object(case["drs_id"], user="bob")
    assert answer.status == 403
    assert answer.body["msg"] == (
        "Only the creator of a FileHandle can access it directly by its ID.  "
        f"FileHandleId = '{handle}', UserId = '{bob_id}'"
    )


async def test_missing_file_handle_is_404(drs: Drs) -> None:
    answer = await drs.object("fh987654321987", user="alice")
    assert answer.status == 404
    assert answer.body["msg"] == "FileHandle: '987654321987' cannot be found"


async def test_dataset_is_a_bundle(drs: Drs) -> None:
    case = drs.emulator.obj("dataset")
    answer = await drs.object(case["drs_id"], user="dave")
    assert answer.status == 200
    body = answer.body
    host = _host(drs)
    assert body["id"] == case["drs_id"]
    assert body["size"] == case["size"]
    assert body["checksums"] == [{"checksum": case["md5"], "type": "md5"}]
    # Items are listed whatever the caller's access to each; dave cannot read one of them.
    assert body["contents"] == [
        {"name": item, "id": item, "drs_uri": [f"drs://{host}/{item}"]} for item in case["contents"]
    ]
    assert "access_methods" not in body
    assert "mime_type" not in body


async def test_empty_dataset_is_an_empty_bundle(drs: Drs) -> None:
    case = drs.emulator.obj("empty_dataset")
    answer = await drs.object(case["drs_id"], user="alice")
    assert answer.status == 200
    assert answer.body["contents"] == []
    assert answer.body["size"] == 0
    assert answer.body["checksums"] == [{"checksum": EMPTY_MD5, "type": "md5"}]


@pytest.mark.parametrize("expand", ["true", "True", "TRUE", "1"])
async def test_expand_on_a_dataset_is_400(drs: Drs, expand: str) -> None:
    case = drs.emulator.obj("dataset")
    answer = await drs.object(case["drs_id"], user="alice", expand=expand)
    assert answer.status == 400
    assert answer.body == {"msg": MSG_NESTED_BUNDLE, "status_code": 400}
    assert (await drs.emulator.stats())["total_requests"] == 1  # read first, then refused


@pytest.mark.parametrize("expand", ["false", "False", "0", ""])
async def test_expand_false_on_a_dataset_is_the_bundle(drs: Drs, expand: str) -> None:
    answer = await drs.object(drs.emulator.obj("dataset")["drs_id"], user="alice", expand=expand)
    assert answer.status == 200


async def test_expand_with_a_nonsense_value_is_400(drs: Drs) -> None:
    answer = await drs.object(drs.emulator.obj("dataset")["drs_id"], user="alice", expand="maybe")
    assert answer.status == 400


async def test_errors_of_the_entity_read_win_over_expand(drs: Drs) -> None:
    missing = await drs.object("syn999999999.1", user="alice", expand="true")
    assert missing.status == 404
    trashed = await drs.object(drs.emulator.obj("trashed_file")["drs_id"], expand="true")
    assert trashed.status == 404
    private = await drs.object(drs.emulator.obj("dataset")["drs_id"], expand="true")
    assert private.status == 403


@pytest.mark.parametrize("case", ["project", "folder"])
async def test_other_entity_types_are_unsupported(drs: Drs, case: str) -> None:
    answer = await drs.object(drs.emulator.obj(case)["drs_id"], user="alice")
    assert answer.status == 400
    assert answer.body == {"msg": MSG_UNSUPPORTED, "status_code": 400}


async def test_trashed_entity_is_404_with_synapse_message(drs: Drs) -> None:
    case = drs.emulator.obj("trashed_file")
    entity = case["drs_id"].split(".")[0]
    answer = await drs.object(case["drs_id"], user="alice")
    assert answer.status == 404
    assert answer.body == {"msg": f"Entity {entity} is in trash can.", "status_code": 404}


async def test_missing_entity_and_missing_version_are_404(drs: Drs) -> None:
    missing = await drs.object("syn999999999.1", user="alice")
    assert missing.status == 404
    assert missing.body["msg"] == "Resource: 'syn999999999' does not exist"
    entity = drs.emulator.obj("private_file")["drs_id"].split(".")[0]
    no_version = await drs.object(f"{entity}.999", user="alice")
    assert no_version.status == 404
    assert no_version.body["msg"] == f"Cannot find a node with id {entity} and version 999"


async def test_no_read_access_is_403_with_synapse_message(drs: Drs) -> None:
    answer = await drs.object(drs.emulator.obj("private_file")["drs_id"])  # anonymous
    assert answer.status == 403
    assert answer.body == {
        "msg": "You lack READ access to the requested entity.",
        "status_code": 403,
    }


async def test_readable_but_not_downloadable_is_403_that_explains(drs: Drs) -> None:
    case = drs.emulator.obj("readable_not_downloadable")
    assert "bob" in case["readers"]
    assert "bob" not in case["downloaders"]
    answer = await drs.object(case["drs_id"], user="bob")
    assert answer.status == 403
    assert answer.body == {"msg": MSG_NO_DOWNLOAD, "status_code": 403}


async def test_metadata_credential_fills_in_metadata_but_never_signs(
    drs_factory: DrsFactory, emulator: EmulatorHandle
) -> None:
    """With the metadata credential, bob sees size and md5, and still gets no URL."""
    drs = await drs_factory(synapse_metadata_token=emulator.token("service"))
    case = drs.emulator.obj("readable_not_downloadable")
    answer = await drs.object(case["drs_id"], user="bob")
    assert answer.status == 200
    assert answer.body["checksums"][0]["checksum"] == case["md5"]
    assert answer.body["size"] == case["size"]
    access = await drs.access(case["drs_id"], case["access_id"], user="bob")
    assert access.status == 403
    assert access.body["msg"] == "You lack DOWNLOAD access to the requested entity."


async def test_metadata_credential_does_not_open_what_the_caller_cannot_read(
    drs_factory: DrsFactory, emulator: EmulatorHandle
) -> None:
    drs = await drs_factory(synapse_metadata_token=emulator.token("service"))
    answer = await drs.object(drs.emulator.obj("private_file")["drs_id"])  # anonymous
    assert answer.status == 403
    assert answer.body["msg"] == "You lack READ access to the requested entity."
