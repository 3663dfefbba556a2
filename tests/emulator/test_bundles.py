"""POST /repo/v1/entity/{id}/version/{v}/bundle2: what is in it, and for whom."""

from __future__ import annotations

import pytest

from tests.emulator.calls import Synapse
from tests.emulator_handle import EmulatorHandle


async def test_the_preview_handle_comes_first_and_the_data_handle_is_dataFileHandleId(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("preview_file")
    body = (await synapse.bundle("dave", obj["entity_id"], 1)).json
    preview, data = body["fileHandles"]
    assert preview["id"] == obj["preview_file_handle_id"]
    assert preview["isPreview"] is True
    assert data["id"] == body["entity"]["dataFileHandleId"] == obj["file_handle_id"]
    assert data["previewId"] == preview["id"]
    assert (data["contentMd5"], data["contentSize"]) == (obj["md5"], obj["size"])


async def test_only_the_parts_asked_for_are_included(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("private_file")
    body = (await synapse.bundle("alice", obj["entity_id"], 1, {"includeEntity": True})).json
    assert set(body) == {"entity", "entityType"}
    body = (await synapse.bundle("alice", obj["entity_id"], 1, {"includeFileHandles": True})).json
    assert set(body) == {"fileHandles", "entityType"}


async def test_a_view_only_token_still_sees_handles_because_scopes_are_not_permissions(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("private_file")
    for user in ("carol", "service"):
        body = (await synapse.bundle(user, obj["entity_id"], 1)).json
        assert [h["id"] for h in body["fileHandles"]] == [obj["file_handle_id"]], user


@pytest.mark.parametrize(
    ("case", "user"),
    [
        ("private_file", "bob"),
        ("readable_not_downloadable", "dave"),
        ("public_file", "anonymous"),
        ("unmet_access_requirement", "bob"),
    ],
)
async def test_readers_without_download_get_an_empty_handle_list_not_an_error(
    emulator: EmulatorHandle, synapse: Synapse, case: str, user: str
) -> None:
    obj = emulator.obj(case)
    answer = await synapse.bundle(user, obj["entity_id"], 1)
    assert answer.status == 200
    assert answer.json["fileHandles"] == []
    assert answer.json["entity"]["dataFileHandleId"] == obj["file_handle_id"]


async def test_restriction_information_shows_whose_access_requirement_is_unmet(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("unmet_access_requirement")
    bob = (await synapse.bundle("bob", obj["entity_id"], 1)).json["restrictionInformation"]
    alice = (await synapse.bundle("alice", obj["entity_id"], 1)).json["restrictionInformation"]
    assert bob["hasUnmetAccessRequirement"] is True
    assert alice["hasUnmetAccessRequirement"] is False
    assert bob["restrictionLevel"] == alice["restrictionLevel"] == "CONTROLLED_BY_ACT"


async def test_permissions_say_who_can_download(emulator: EmulatorHandle, synapse: Synapse) -> None:
    obj = emulator.obj("private_file")
    bob = (await synapse.bundle("bob", obj["entity_id"], 1)).json["permissions"]
    dave = (await synapse.bundle("dave", obj["entity_id"], 1)).json["permissions"]
    assert (bob["canView"], bob["canDownload"]) == (True, False)
    assert (dave["canView"], dave["canDownload"]) == (True, True)


@pytest.mark.parametrize(
    ("case", "entity_type"),
    [
        ("public_file", "file"),
        ("dataset", "dataset"),
        ("empty_dataset", "dataset"),
        ("project", "project"),
        ("folder", "folder"),
    ],
)
async def test_entity_type_names_the_kind_of_entity(
    emulator: EmulatorHandle, synapse: Synapse, case: str, entity_type: str
) -> None:
    obj = emulator.obj(case)
    body = (await synapse.bundle("alice", obj["entity_id"], obj["version"])).json
    assert body["entityType"] == entity_type
    assert (body["fileHandles"] != []) == (entity_type == "file")


async def test_an_external_handle_carries_its_url_instead_of_bucket_and_key(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("external_file")
    (handle,) = (await synapse.bundle("alice", obj["entity_id"], 1)).json["fileHandles"]
    assert handle["concreteType"] == "org.sagebionetworks.repo.model.file.ExternalFileHandle"
    assert handle["externalURL"].startswith(emulator.url + "/")
    assert "bucketName" not in handle
    assert "key" not in handle
    assert (handle["contentMd5"], handle["contentSize"]) == (obj["md5"], obj["size"])


async def test_bundle_errors_are_those_of_the_entity_call(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    missing = await synapse.bundle("alice", "syn999999999", 1)
    assert (missing.status, missing.reason) == (404, "Resource: 'syn999999999' does not exist")
    hidden = await synapse.bundle(
        "carol", emulator.obj("readable_not_downloadable")["entity_id"], 1
    )
    assert (hidden.status, hidden.reason) == (403, "You lack READ access to the requested entity.")


async def test_a_body_that_is_not_json_is_400(emulator: EmulatorHandle, synapse: Synapse) -> None:
    entity_id = emulator.obj("public_file")["entity_id"]
    answer = await synapse.call(
        "POST",
        f"/repo/v1/entity/{entity_id}/version/1/bundle2",
        "alice",
        headers={"Content-Type": "application/json"},
        data=b"{not json",
    )
    assert answer.status == 400
    assert answer.reason.startswith("Could not parse the request body")
