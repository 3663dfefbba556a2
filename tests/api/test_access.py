"""GET /objects/{id}/access/{access_id}: presigned URLs, real downloads (docs/behaviour.md §5)."""

from __future__ import annotations

import pytest

from tests.drs_client import Drs, download, md5_of

BLOB_CASES = ["public_file", "private_file", "preview_file", "multi_version_v2", "external_file"]


@pytest.mark.parametrize("case_name", BLOB_CASES)
async def test_access_url_downloads_the_bytes_the_object_describes(
    drs: Drs, case_name: str
) -> None:
    case = drs.emulator.obj(case_name)
    obj = await drs.object(case["drs_id"], user="alice")
    access_id = obj.body["access_methods"][0]["access_id"]
    answer = await drs.access(case["drs_id"], access_id, user="alice")
    assert answer.status == 200
    assert set(answer.body) == {"url"}
    data = await download(answer.body["url"])
    assert len(data) == obj.body["size"]
    assert md5_of(data) == obj.body["checksums"][0]["checksum"]


async def test_raw_file_handle_url_for_its_creator(drs: Drs) -> None:
    case = drs.emulator.obj("raw_file_handle")
    answer = await drs.access(case["drs_id"], case["access_id"], user="alice")
    assert answer.status == 200
    data = await download(answer.body["url"])
    assert md5_of(data) == case["md5"]


async def test_raw_file_handle_url_for_another_user_is_403(drs: Drs) -> None:
    case = drs.emulator.obj("raw_file_handle")
    answer = await drs.access(case["drs_id"], case["access_id"], user="bob")
    assert answer.status == 403
    assert answer.body["msg"] == (
        "Only the user that created the FileHandle can get the URL of the file."
    )


async def test_external_file_url_is_returned_unsigned_and_unchanged(drs: Drs) -> None:
    case = drs.emulator.obj("external_file")
    answer = await drs.access(case["drs_id"], case["access_id"], user="alice")
    assert answer.status == 200
    assert answer.body["url"] == case["external_url"]


@pytest.mark.parametrize(
    ("case_name", "user", "msg"),
    [
        ("readable_not_downloadable", "bob", "You lack DOWNLOAD access to the requested entity."),
        ("public_file", None, "Anonymous users have only READ access permission."),
        (
            "unmet_access_requirement",
            "bob",
            "There are unmet access requirements that must be met to read content in the "
            "requested container.",
        ),
        (
            "private_file",
            "carol",
            "insufficient_scope. Request lacks scope(s) required by this service: download",
        ),
        ("private_file", None, "Anonymous users have only READ access permission."),
    ],
)
async def test_synapse_refusals_pass_through(
    drs: Drs, case_name: str, user: str | None, msg: str
) -> None:
    case = drs.emulator.obj(case_name)
    answer = await drs.access(case["drs_id"], case["access_id"], user=user)
    assert answer.status == 403
    assert answer.body == {"msg": msg, "status_code": 403}


async def test_file_handle_of_another_version_is_refused_by_synapse(drs: Drs) -> None:
    """An access id naming a handle that is not attached to the entity: Synapse's 403."""
    case = drs.emulator.obj("private_file")
    other = drs.emulator.obj("public_file")["access_id"].split("_")[-1]
    entity = case["drs_id"]
    answer = await drs.access(entity, f"FileEntity_{entity}_{other}", user="alice")
    assert answer.status == 403
    assert answer.body["msg"] == (
        f"FileHandleId: {other} is not associated with objectId: {entity.split('.')[0]} "
        "of type: FileEntity"
    )


async def test_access_on_a_missing_entity_passes_synapse_refusal(drs: Drs) -> None:
    """One upstream call, no existence probe first: Synapse's own answer is the answer."""
    answer = await drs.access("syn999999999.1", "FileEntity_syn999999999.1_1", user="alice")
    assert answer.status == 403
    assert answer.body["msg"] == (
        "FileHandleId: 1 is not associated with objectId: syn999999999 of type: FileEntity"
    )
