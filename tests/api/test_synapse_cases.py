"""The Synapse cases real users hit, end to end through the service (docs/behaviour.md §4, §5):
URL-linked files without md5 or size, unmet access requirements, archived and unlinked file
handles, open data, and Dataset totals Synapse does not have."""

from __future__ import annotations

from aiohttp import ClientSession

from adapter.resolver import (
    EMPTY_MD5,
    MSG_NO_DOWNLOAD,
    MSG_UNMET_REQUIREMENT,
    UNKNOWN_CHECKSUM,
    UNKNOWN_SIZE,
)
from tests.drs_client import Drs, DrsFactory, download, md5_of
from tests.emulator_handle import EmulatorHandle

INSUFFICIENT_SCOPE = "insufficient_scope. Request lacks scope(s) required by this service: download"


async def _download_checked(drs: Drs, case: dict[str, object], user: str | None) -> None:
    """Sign through the service, download the bytes, check them against what is stored."""
    answer = await drs.access(str(case["drs_id"]), str(case["access_id"]), user=user)
    assert answer.status == 200, answer.body
    data = await download(answer.body["url"])
    assert (md5_of(data), len(data)) == (case["bytes_md5"], case["bytes_size"])


# 1. URL-linked files without md5 or size


async def test_a_url_linked_file_without_md5_or_size_resolves_and_downloads(drs: Drs) -> None:
    case = drs.emulator.obj("external_file_no_md5")
    assert case["md5"] is None
    assert case["size"] is None
    assert case["external"]
    answer = await drs.object(case["drs_id"], user="alice")
    assert answer.status == 200, answer.body
    assert answer.body["size"] == UNKNOWN_SIZE == -1
    assert answer.body["checksums"] == [{"checksum": UNKNOWN_CHECKSUM, "type": "md5"}]
    assert answer.body["mime_type"] == case["mime_type"]
    assert answer.body["access_methods"] == [
        {"type": "https", "access_id": case["access_id"], "available": True}
    ]
    await _download_checked(drs, case, "alice")
    # The URL is the handle's own, unsigned, as Synapse gives it.
    signed = await drs.access(case["drs_id"], case["access_id"], user="dave")
    assert signed.body["url"] == case["external_url"].replace("http://x", drs.emulator.url)


async def test_a_url_linked_file_without_md5_resolves_in_bulk_too(drs: Drs) -> None:
    case = drs.emulator.obj("external_file_no_md5")
    objects = await drs.bulk_objects([case["drs_id"]], user="dave")
    assert objects.body["summary"] == {"requested": 1, "resolved": 1, "unresolved": 0}
    assert objects.body["resolved_drs_object"][0]["size"] == UNKNOWN_SIZE
    access = await drs.bulk_access([(case["drs_id"], [case["access_id"]])], user="dave")
    (item,) = access.body["resolved_drs_object_access_urls"]
    data = await download(item["url"])
    assert (md5_of(data), len(data)) == (case["bytes_md5"], case["bytes_size"])


# 2. Unmet access requirements


async def test_an_unmet_access_requirement_is_named_on_the_object_route(drs: Drs) -> None:
    """Without the metadata credential, bob (READ and DOWNLOAD in the ACL, requirement not
    met) is told about the requirement, not about a DOWNLOAD permission he has."""
    case = drs.emulator.obj("unmet_access_requirement")
    assert "bob" in case["readers"]
    assert "bob" not in case["downloaders"]
    answer = await drs.object(case["drs_id"], user="bob")
    assert answer.status == 403
    assert answer.body == {"msg": MSG_UNMET_REQUIREMENT, "status_code": 403}
    # A caller without DOWNLOAD, and no requirement, still hears about DOWNLOAD.
    plain = await drs.object(drs.emulator.obj("readable_not_downloadable")["drs_id"], user="bob")
    assert plain.body["msg"] == MSG_NO_DOWNLOAD


async def test_an_unmet_access_requirement_is_named_on_the_access_routes(
    drs_factory: DrsFactory, emulator: EmulatorHandle
) -> None:
    drs = await drs_factory(synapse_metadata_token=emulator.token("service"))
    case = emulator.obj("unmet_access_requirement")
    resolved = await drs.object(case["drs_id"], user="bob")  # metadata through the credential
    assert resolved.status == 200
    assert resolved.body["checksums"][0]["checksum"] == case["md5"]
    refused = await drs.access(case["drs_id"], case["access_id"], user="bob")
    assert refused.status == 403
    assert refused.body == {"msg": MSG_UNMET_REQUIREMENT, "status_code": 403}
    bulk = await drs.bulk_access([(case["drs_id"], [case["access_id"]])], user="bob")
    assert bulk.body["unresolved_drs_objects"] == [
        {"error_code": 403, "object_ids": [case["drs_id"]]}
    ]
    await _download_checked(drs, case, "alice")  # alice met it


# 3. Archived and unlinked file handles


async def test_an_archived_file_is_unavailable_and_gets_no_url(drs: Drs) -> None:
    case = drs.emulator.obj("archived_file")
    assert case["status"] == "ARCHIVED"
    resolved = await drs.object(case["drs_id"], user="alice")
    assert resolved.status == 200
    assert resolved.body["checksums"][0]["checksum"] == case["md5"]
    assert resolved.body["access_methods"] == [
        {"type": "https", "access_id": case["access_id"], "available": False}
    ]
    single = await drs.access(case["drs_id"], case["access_id"], user="alice")
    assert single.status == 409
    assert single.body["msg"].startswith(
        f"The file (file handle {case['file_handle_id']}) is archived"
    )
    assert "can restore it" in single.body["msg"]
    assert "url" not in single.body
    bulk = await drs.bulk_access([(case["drs_id"], [case["access_id"]])], user="alice")
    assert bulk.body["resolved_drs_object_access_urls"] == []
    assert bulk.body["unresolved_drs_objects"] == [
        {"error_code": 409, "object_ids": [case["drs_id"]]}
    ]
    # A refusal keeps its own status: bob may not download it at all.
    assert (await drs.access(case["drs_id"], case["access_id"], user="bob")).status == 403


async def test_synapse_itself_would_have_handed_out_a_dead_url(emulator: EmulatorHandle) -> None:
    """What the 409 spares the caller: Synapse signs the archived handle, storage refuses it."""
    case = emulator.obj("archived_file")
    params = {
        "fileAssociateType": "FileEntity",
        "fileAssociateId": case["entity_id"],
        "redirect": "false",
    }
    async with ClientSession() as session:
        async with session.get(
            f"{emulator.url}/file/v1/file/{case['file_handle_id']}",
            params=params,
            headers=emulator.headers("alice"),
        ) as signed:
            assert signed.status == 200
            url = await signed.text()
        async with session.get(url) as stored:
            assert stored.status == 403
            assert "InvalidObjectState" in await stored.text()


async def test_an_unlinked_file_is_still_served(drs: Drs) -> None:
    """UNLINKED: nothing links to the handle yet, its bytes are in place; Synapse signs it."""
    case = drs.emulator.obj("unlinked_file")
    resolved = await drs.object(case["drs_id"], user="dave")
    assert resolved.status == 200
    assert resolved.body["access_methods"][0]["available"] is True
    await _download_checked(drs, case, "dave")
    access = await drs.bulk_access([(case["drs_id"], [case["access_id"]])], user="alice")
    (item,) = access.body["resolved_drs_object_access_urls"]
    assert md5_of(await download(item["url"])) == case["md5"]


# 4. Open data


async def test_open_data_reads_and_downloads_anonymously(drs: Drs) -> None:
    case = drs.emulator.obj("open_data_file")
    assert case["open_data"]
    assert "anonymous" in case["downloaders"]
    resolved = await drs.object(case["drs_id"])  # no token
    assert resolved.status == 200
    assert resolved.body["checksums"] == [{"checksum": case["md5"], "type": "md5"}]
    assert resolved.body["size"] == case["size"]
    await _download_checked(drs, case, None)
    assert case["md5"] == case["bytes_md5"]
    bulk = await drs.bulk_access([(case["drs_id"], [case["access_id"]])])
    (item,) = bulk.body["resolved_drs_object_access_urls"]
    assert md5_of(await download(item["url"])) == case["md5"]


async def test_open_data_still_needs_the_download_scope_of_a_token(drs: Drs) -> None:
    case = drs.emulator.obj("open_data_file")
    await _download_checked(drs, case, "bob")  # READ only, yet open data
    carol = await drs.access(case["drs_id"], case["access_id"], user="carol")
    assert carol.status == 403
    assert carol.body["msg"] == INSUFFICIENT_SCOPE


async def test_a_public_file_that_is_not_open_data_stays_read_only_for_anonymous(
    drs: Drs,
) -> None:
    case = drs.emulator.obj("public_file")
    answer = await drs.access(case["drs_id"], case["access_id"])
    assert answer.status == 403
    assert answer.body["msg"] == "Anonymous users have only READ access permission."


# 5. Dataset totals Synapse does not have


async def test_a_dataset_of_md5_less_items_has_an_unknown_checksum(drs: Drs) -> None:
    case = drs.emulator.obj("dataset_no_md5")
    assert case["md5"] is None
    assert case["size"] == 0
    answer = await drs.object(case["drs_id"], user="dave")
    assert answer.status == 200
    assert answer.body["size"] == 0  # Synapse's own total, passed through
    assert answer.body["checksums"] == [{"checksum": UNKNOWN_CHECKSUM, "type": "md5"}]
    assert [c["id"] for c in answer.body["contents"]] == case["contents"]
    # Each item resolves and downloads on its own.
    (item_id,) = case["contents"]
    item = next(o for o in drs.emulator.manifest["objects"] if o["drs_id"] == item_id)
    resolved = await drs.object(item_id, user="dave")
    assert resolved.body["size"] == UNKNOWN_SIZE
    await _download_checked(drs, item, "dave")


async def test_an_empty_dataset_has_the_drs_totals_of_nothing(drs: Drs) -> None:
    """Synapse sends no size and no checksum; DRS defines a bundle's size as the sum over its
    contents and its checksum as the md5 of their sorted md5s: for none, 0 and md5("")."""
    case = drs.emulator.obj("empty_dataset")
    assert case["md5"] is None
    assert case["size"] is None
    assert case["contents"] == []
    answer = await drs.object(case["drs_id"], user="bob")
    assert answer.status == 200
    assert answer.body["contents"] == []
    assert answer.body["size"] == 0
    assert answer.body["checksums"] == [{"checksum": EMPTY_MD5, "type": "md5"}]
    assert md5_of(b"") == EMPTY_MD5


async def test_an_archived_raw_file_handle_is_unavailable_and_gets_no_url(drs: Drs) -> None:
    """An `fh` object: Synapse signs its URL for the creator whatever the status; the service
    reads the handle's status (cached by the object read) and hands no URL out."""
    case = drs.emulator.obj("archived_raw_file_handle")
    assert case["status"] == "ARCHIVED"
    resolved = await drs.object(case["drs_id"], user="alice")
    assert resolved.status == 200
    assert resolved.body["checksums"] == [{"checksum": case["md5"], "type": "md5"}]
    assert resolved.body["access_methods"] == [
        {"type": "https", "access_id": case["access_id"], "available": False}
    ]
    single = await drs.access(case["drs_id"], case["access_id"], user="alice")
    assert single.status == 409
    assert single.body["msg"].startswith(f"The file (file handle {case['access_id']}) is archived")
    bulk = await drs.bulk_access([(case["drs_id"], [case["access_id"]])], user="alice")
    assert bulk.body["unresolved_drs_objects"] == [
        {"error_code": 409, "object_ids": [case["drs_id"]]}
    ]
    # Not its creator: Synapse's refusal, whatever the status.
    assert (await drs.access(case["drs_id"], case["access_id"], user="bob")).status == 403
