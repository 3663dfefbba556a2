"""End to end, for every blob in the demo manifest and every user: resolve, sign, download."""

from __future__ import annotations

import pytest

from adapter.resolver import UNKNOWN_CHECKSUM, UNKNOWN_SIZE
from tests.drs_client import DrsFactory, download, md5_of
from tests.emulator_handle import EmulatorHandle

USERS = ["alice", "bob", "carol", "dave", "service", "anonymous"]

# What Synapse says when a reader may not download (docs/behaviour.md §5, docs/synapse.md).
SYNAPSE_DOWNLOAD_REFUSALS = {
    "You lack DOWNLOAD access to the requested entity.",
    "Anonymous users have only READ access permission.",
    "There are unmet access requirements that must be met to read content in the requested "
    "container.",
    "insufficient_scope. Request lacks scope(s) required by this service: download",
    "Only the user that created the FileHandle can get the URL of the file.",
}


@pytest.mark.parametrize("user", USERS)
async def test_every_blob_resolves_signs_and_downloads_as_the_manifest_says(
    drs_factory: DrsFactory, emulator: EmulatorHandle, user: str
) -> None:
    # With the metadata credential, every reader of a file sees its metadata.
    drs = await drs_factory(synapse_metadata_token=emulator.token("service"))
    caller = None if user == "anonymous" else user
    blobs = [o for o in emulator.manifest["objects"] if o["kind"] == "blob"]
    assert len(blobs) >= 8
    downloaded = 0
    for case in blobs:
        resolved = await drs.object(case["drs_id"], user=caller)
        if user not in case["readers"]:
            assert resolved.status in (403, 404), (case["case"], resolved.body)
            continue
        if case["drs_id"].startswith("fh") and user not in case["downloaders"]:
            assert resolved.status == 403, (case["case"], resolved.body)
            continue
        assert resolved.status == 200, (case["case"], user, resolved.body)
        # What the handle states; "unknown" where Synapse knows no md5 or size (§4).
        md5 = case["md5"] if case["md5"] is not None else UNKNOWN_CHECKSUM
        assert resolved.body["checksums"] == [{"checksum": md5, "type": "md5"}]
        assert resolved.body["size"] == (case["size"] if case["size"] is not None else UNKNOWN_SIZE)
        method = resolved.body["access_methods"][0]
        assert method["access_id"] == case["access_id"]
        archived = case["status"] == "ARCHIVED"
        assert method["available"] is not archived
        answer = await drs.access(case["drs_id"], method["access_id"], user=caller)
        if user not in case["downloaders"]:
            assert answer.status == 403, (case["case"], user, answer.body)
            assert answer.body["msg"] in SYNAPSE_DOWNLOAD_REFUSALS
            continue
        if archived:  # never a URL storage would refuse (§5)
            assert answer.status == 409, (case["case"], user, answer.body)
            assert "is archived" in answer.body["msg"]
            continue
        assert answer.status == 200, (case["case"], user, answer.body)
        data = await download(answer.body["url"])
        assert (md5_of(data), len(data)) == (case["bytes_md5"], case["bytes_size"])
        if case["md5"] is not None:
            assert (md5_of(data), len(data)) == (md5, resolved.body["size"])
        downloaded += 1
    if user == "alice":
        servable = [b for b in blobs if "alice" in b["downloaders"] and b["status"] != "ARCHIVED"]
        assert downloaded == len(servable) >= 8
