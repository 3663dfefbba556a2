"""The cases real Synapse users hit: URL-only files, archived and unlinked handles, open data,
access requirements, entities without a version, and Spring's answers to malformed calls."""

from __future__ import annotations

import pytest

from tests.emulator.calls import ERROR_RESPONSE, Synapse, md5_of
from tests.emulator_handle import EmulatorHandle

HANDLES_ONLY = {"includeFileHandles": True}


async def test_an_external_handle_without_md5_or_size_leaves_both_out_and_its_url_serves(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("external_file_no_md5")
    (handle,) = (await synapse.bundle("dave", obj["entity_id"], 1)).json["fileHandles"]
    assert handle["concreteType"] == "org.sagebionetworks.repo.model.file.ExternalFileHandle"
    assert not {"contentMd5", "contentSize"} & set(handle)
    assert handle["externalURL"] == obj["external_url"]
    assert (obj["md5"], obj["size"]) == (None, None)
    url = await synapse.file_url("dave", obj["file_handle_id"], obj["entity_id"])
    assert url.text == handle["externalURL"]  # getURLForFileHandle: the URL, unsigned
    blob = await synapse.download(url.text)
    assert (md5_of(blob.raw), len(blob.raw)) == (obj["bytes_md5"], obj["bytes_size"])


async def test_an_archived_handle_is_signed_but_storage_refuses_its_bytes(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """FileHandleManagerImpl.getURLForFileHandle signs any status (it only logs a metric)."""
    obj = emulator.obj("archived_file")
    (handle,) = (await synapse.bundle("dave", obj["entity_id"], 1)).json["fileHandles"]
    assert handle["status"] == obj["status"] == "ARCHIVED"
    assert (handle["contentMd5"], handle["contentSize"]) == (obj["md5"], obj["size"])
    url = await synapse.file_url("dave", obj["file_handle_id"], obj["entity_id"])
    assert url.status == 200
    (item,) = (await synapse.batch("dave", [(obj["file_handle_id"], obj["entity_id"])])).json[
        "requestedFiles"
    ]
    assert item["fileHandle"]["status"] == "ARCHIVED"
    for signed in (url.text, item["preSignedURL"]):
        refused = await synapse.download(signed)
        assert refused.status == 403
        assert b"<Code>InvalidObjectState</Code>" in refused.raw
        assert refused.headers["x-amz-archive-status"] == "ARCHIVE_ACCESS"
    async with emulator.session.head(url.text) as head:  # the object's metadata stays readable
        assert (head.status, head.headers["Content-Length"]) == (200, str(obj["size"]))


async def test_an_unlinked_handle_says_so_and_still_downloads(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("unlinked_file")
    (handle,) = (await synapse.bundle("dave", obj["entity_id"], 1)).json["fileHandles"]
    assert handle["status"] == obj["status"] == "UNLINKED"
    url = await synapse.file_url("dave", obj["file_handle_id"], obj["entity_id"])
    assert md5_of((await synapse.download(url.text)).raw) == obj["md5"]


async def test_open_data_shows_handles_and_signs_urls_for_anonymous(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """determineDownloadAccess: GRANT_IF_OPEN_DATA_WITH_READ comes before DENY_IF_ANONYMOUS."""
    obj = emulator.obj("open_data_file")
    bundle = (await synapse.bundle("anonymous", obj["entity_id"], 1)).json
    assert [h["id"] for h in bundle["fileHandles"]] == [obj["file_handle_id"]]
    permissions = bundle["permissions"]
    assert (permissions["isEntityOpenData"], permissions["canDownload"]) == (True, True)
    assert bundle["restrictionInformation"]["restrictionLevel"] == "OPEN"
    url = await synapse.file_url("anonymous", obj["file_handle_id"], obj["entity_id"])
    assert md5_of((await synapse.download(url.text)).raw) == obj["md5"]
    (item,) = (await synapse.batch("anonymous", [(obj["file_handle_id"], obj["entity_id"])])).json[
        "requestedFiles"
    ]
    assert md5_of((await synapse.download(item["preSignedURL"])).raw) == obj["md5"]
    # READ is enough for bob too; a token without the download scope is still refused.
    bob = await synapse.file_url("bob", obj["file_handle_id"], obj["entity_id"])
    assert bob.status == 200
    carol = await synapse.file_url("carol", obj["file_handle_id"], obj["entity_id"])
    assert carol.status == 403


async def test_a_public_file_that_is_not_open_data_is_not_for_anonymous(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("public_file")
    bundle = (await synapse.bundle("anonymous", obj["entity_id"], 1)).json
    assert bundle["fileHandles"] == []
    assert bundle["permissions"]["isEntityOpenData"] is False


async def test_an_unmet_requirement_shows_in_the_bundle_in_synapses_shape(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("unmet_access_requirement")
    bob = (await synapse.bundle("bob", obj["entity_id"], 1)).json
    assert bob["fileHandles"] == []
    info = bob["restrictionInformation"]
    assert info["objectId"] == int(obj["entity_id"].removeprefix("syn"))
    assert (info["restrictionLevel"], info["hasUnmetAccessRequirement"]) == (
        "CONTROLLED_BY_ACT",
        True,
    )
    (detail,) = info["restrictionDetails"]
    assert (detail["isApproved"], detail["isMet"], detail["isExempt"]) == (False, False, False)
    assert info["userEntityPermissions"]["canDownload"] is False
    alice = (await synapse.bundle("alice", obj["entity_id"], 1)).json["restrictionInformation"]
    assert alice["hasUnmetAccessRequirement"] is False
    assert alice["restrictionDetails"][0]["accessRequirementId"] == detail["accessRequirementId"]
    refused = await synapse.file_url("bob", obj["file_handle_id"], obj["entity_id"])
    assert (refused.status, refused.reason) == (
        403,
        "There are unmet access requirements that must be met to read content in the "
        "requested container.",
    )


async def test_without_a_version_the_entity_and_bundle_are_the_current_version(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    latest = emulator.obj("multi_version_v3")
    entity = await synapse.call("GET", f"/repo/v1/entity/{latest['entity_id']}", "dave")
    assert (entity.json["versionNumber"], entity.json["dataFileHandleId"]) == (
        3,
        latest["file_handle_id"],
    )
    path = f"/repo/v1/entity/{latest['entity_id']}/bundle2"
    bundle = await synapse.call("POST", path, "dave", json_body={"includeEntity": True})
    assert bundle.json["entity"] == entity.json
    project = emulator.obj("project")
    answer = await synapse.call("GET", f"/repo/v1/entity/{project['entity_id']}", "bob")
    assert answer.json["concreteType"] == "org.sagebionetworks.repo.model.Project"
    trashed = emulator.obj("trashed_file")["entity_id"]
    gone = await synapse.call("GET", f"/repo/v1/entity/{trashed}", "alice")
    assert (gone.status, gone.reason) == (404, f"Entity {trashed} is in trash can.")


async def test_an_empty_batch_is_400_in_synapses_words(synapse: Synapse) -> None:
    body = {"requestedFiles": [], "includeFileHandles": True}
    answer = await synapse.call("POST", "/file/v1/fileHandle/batch", "dave", json_body=body)
    assert (answer.status, answer.reason) == (
        400,
        "FileHandleAssociations is empty.  Must include at least one FileHandleAssociation",
    )


async def test_a_batch_item_without_a_field_is_400_naming_it(synapse: Synapse) -> None:
    item = {"fileHandleId": "1", "associateObjectType": "FileEntity"}
    body = {"requestedFiles": [item], "includeFileHandles": True}
    answer = await synapse.call("POST", "/file/v1/fileHandle/batch", "dave", json_body=body)
    assert (answer.status, answer.reason) == (
        400,
        "FileHandleAssociation.associateObjectId cannot be null",
    )


@pytest.mark.parametrize(
    ("method", "path", "status", "reason"),
    [
        (
            "GET",
            "/repo/v1/nothing/here",
            404,
            "GET was not found. Please reference API documentation at "
            "https://rest-docs.synapse.org/rest/",
        ),
        ("DELETE", "/file/v1/fileHandle/batch", 405, "Request method 'DELETE' not supported"),
        ("PUT", "/repo/v1/entity/syn1/bundle2", 405, "Request method 'PUT' not supported"),
    ],
)
async def test_unknown_routes_and_wrong_verbs_answer_as_spring_does(
    synapse: Synapse, method: str, path: str, status: int, reason: str
) -> None:
    answer = await synapse.call(method, path, "dave")
    assert (answer.status, answer.json) == (
        status,
        {"concreteType": ERROR_RESPONSE, "reason": reason},
    )


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        (
            {"fileAssociateId": "syn1"},
            "Required request parameter 'fileAssociateType' for method parameter type "
            "FileHandleAssociateType is not present",
        ),
        (
            {"fileAssociateType": "FileEntity"},
            "Required request parameter 'fileAssociateId' for method parameter type String "
            "is not present",
        ),
    ],
)
async def test_a_missing_request_parameter_is_400_as_spring_words_it(
    synapse: Synapse, params: dict[str, str], reason: str
) -> None:
    answer = await synapse.call("GET", "/file/v1/file/1", "dave", params=params)
    assert (answer.status, answer.reason) == (400, reason)
