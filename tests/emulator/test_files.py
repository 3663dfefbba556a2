"""/file/v1: URLs by association, the handle-and-URL batch, and raw (creator-only) handles."""

from __future__ import annotations

import pytest

from tests.emulator.calls import Synapse, md5_of
from tests.emulator_handle import EmulatorHandle

SCOPE_MESSAGE = "Request lacks scope(s) required by this service: download"
NOT_CREATOR_URL = "Only the user that created the FileHandle can get the URL of the file."


async def test_redirect_false_answers_a_text_url_whose_bytes_match_the_handle(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("private_file")
    answer = await synapse.file_url("dave", obj["file_handle_id"], obj["entity_id"])
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.text.startswith(emulator.url + "/_blob/")
    blob = await synapse.download(answer.text)
    assert blob.status == 200
    assert (md5_of(blob.raw), len(blob.raw)) == (obj["md5"], obj["size"])


async def test_without_redirect_false_the_answer_is_a_307_to_the_url(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("public_file")
    answer = await synapse.file_url("bob", obj["file_handle_id"], obj["entity_id"], redirect=None)
    assert answer.status == 307
    blob = await synapse.download(answer.headers["Location"])
    assert md5_of(blob.raw) == obj["md5"]


@pytest.mark.parametrize("user", ["carol", "service"])
async def test_a_token_without_download_scope_is_403_insufficient_scope(
    emulator: EmulatorHandle, synapse: Synapse, user: str
) -> None:
    obj = emulator.obj("private_file")
    expected = {  # OAuthScopeInterceptor's own body: no concreteType
        "reason": f"insufficient_scope. {SCOPE_MESSAGE}",
        "error": "insufficient_scope",
        "error_description": SCOPE_MESSAGE,
    }
    for answer in (
        await synapse.file_url(user, obj["file_handle_id"], obj["entity_id"]),
        await synapse.batch(user, [(obj["file_handle_id"], obj["entity_id"])]),
        await synapse.raw_handle_url(user, obj["file_handle_id"]),
    ):
        assert (answer.status, answer.json) == (403, expected)


@pytest.mark.parametrize(
    ("case", "user", "reason"),
    [
        ("private_file", "bob", "You lack DOWNLOAD access to the requested entity."),
        ("public_file", "anonymous", "Anonymous users have only READ access permission."),
        # Synapse's download decider asks "anonymous?" before "has DOWNLOAD?" ...
        ("private_file", "anonymous", "Anonymous users have only READ access permission."),
        # ... and "unmet access requirements?" before either.
        (
            "unmet_access_requirement",
            "anonymous",
            "There are unmet access requirements that must be met to read content in the "
            "requested container.",
        ),
        (
            "unmet_access_requirement",
            "bob",
            "There are unmet access requirements that must be met to read content in the "
            "requested container.",
        ),
    ],
)
async def test_download_refusals_carry_synapses_messages(
    emulator: EmulatorHandle, synapse: Synapse, case: str, user: str, reason: str
) -> None:
    obj = emulator.obj(case)
    answer = await synapse.file_url(user, obj["file_handle_id"], obj["entity_id"])
    assert (answer.status, answer.reason) == (403, reason)


async def test_a_handle_of_another_entity_is_not_associated(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    handle = emulator.obj("private_file")["file_handle_id"]
    entity = emulator.obj("public_file")["entity_id"]
    answer = await synapse.file_url("dave", handle, entity)
    assert answer.status == 403
    assert answer.reason == (
        f"FileHandleId: {handle} is not associated with objectId: {entity} of type: FileEntity"
    )


async def test_a_missing_entity_is_not_associated_rather_than_not_found(
    synapse: Synapse,
) -> None:
    """Synapse checks the association first, and a missing entity has no file handles."""
    answer = await synapse.file_url("alice", "1", "syn999999999")
    assert (answer.status, answer.reason) == (
        403,
        "FileHandleId: 1 is not associated with objectId: syn999999999 of type: FileEntity",
    )


async def test_a_handles_creator_downloads_it_through_any_association(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """AuthorizationManagerImpl.canDownloadFile lets the creator through before any check."""
    mine = emulator.obj("creator_download")  # dave created the handle, may only READ the entity
    public, trashed = emulator.obj("public_file"), emulator.obj("trashed_file")
    own = await synapse.file_url("dave", mine["file_handle_id"], mine["entity_id"])
    assert md5_of((await synapse.download(own.text)).raw) == mine["md5"]
    foreign = await synapse.file_url("dave", mine["file_handle_id"], public["entity_id"])
    assert md5_of((await synapse.download(foreign.text)).raw) == mine["md5"]
    missing = await synapse.file_url("dave", mine["file_handle_id"], "syn999999999")
    assert missing.status == 200
    (item,) = (await synapse.batch("dave", [(mine["file_handle_id"], trashed["entity_id"])])).json[
        "requestedFiles"
    ]
    assert item["fileHandle"]["createdBy"] == emulator.user_id("dave")
    # bob may READ the entity too, but did not create the handle: the entity's decision holds.
    refused = await synapse.file_url("bob", mine["file_handle_id"], mine["entity_id"])
    assert (refused.status, refused.reason) == (
        403,
        "You lack DOWNLOAD access to the requested entity.",
    )


async def test_alice_owns_the_demo_entities_but_created_none_of_their_handles(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """So her refusals stay visible: a trashed file is 404 and a foreign handle 403 for her."""
    private, trashed = emulator.obj("private_file"), emulator.obj("trashed_file")
    public = emulator.obj("public_file")
    in_trash = await synapse.file_url("alice", trashed["file_handle_id"], trashed["entity_id"])
    assert (in_trash.status, in_trash.reason) == (
        404,
        f"Entity {trashed['entity_id']} is in trash can.",
    )
    foreign = await synapse.file_url("alice", private["file_handle_id"], public["entity_id"])
    assert foreign.status == 403
    handle = await synapse.raw_handle("alice", private["file_handle_id"])
    assert handle.status == 403


async def test_an_older_versions_handle_is_still_associated_with_the_entity(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("multi_version_v1")
    answer = await synapse.file_url("alice", obj["file_handle_id"], obj["entity_id"])
    assert md5_of((await synapse.download(answer.text)).raw) == obj["md5"]


async def test_an_external_handles_url_comes_back_unsigned_and_unchanged(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("external_file")
    bundle = (await synapse.bundle("alice", obj["entity_id"], 1)).json
    external_url = bundle["fileHandles"][0]["externalURL"]
    answer = await synapse.file_url("dave", obj["file_handle_id"], obj["entity_id"])
    assert answer.text == external_url
    assert "signature" not in external_url
    assert md5_of((await synapse.download(external_url)).raw) == obj["md5"]


async def test_batch_answers_201_in_request_order_with_per_item_failures(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    private = emulator.obj("private_file")
    public = emulator.obj("public_file")
    readonly = emulator.obj("readable_not_downloadable")
    trashed = emulator.obj("trashed_file")
    pairs = [
        (public["file_handle_id"], public["entity_id"]),
        (private["file_handle_id"], private["entity_id"]),  # bob: READ only
        (private["file_handle_id"], public["entity_id"]),  # not associated
        ("100000001", "syn999999999"),  # no such entity
        (trashed["file_handle_id"], trashed["entity_id"]),
        (readonly["file_handle_id"], readonly["entity_id"]),
    ]
    answer = await synapse.batch("bob", pairs)
    assert answer.status == 201
    results = answer.json["requestedFiles"]
    assert [r["fileHandleId"] for r in results] == [h for h, _ in pairs]
    assert [r.get("failureCode") for r in results] == [None, *["UNAUTHORIZED"] * 5]
    first = results[0]
    assert first["fileHandle"]["contentMd5"] == public["md5"]
    assert md5_of((await synapse.download(first["preSignedURL"])).raw) == public["md5"]


async def test_batch_includes_only_what_was_asked_and_preview_urls_on_request(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("preview_file")
    pair = [(obj["file_handle_id"], obj["entity_id"])]
    (only_url,) = (await synapse.batch("alice", pair, handles=False)).json["requestedFiles"]
    assert set(only_url) == {"fileHandleId", "preSignedURL"}
    (preview,) = (
        await synapse.batch("alice", pair, handles=False, urls=False, previews=True)
    ).json["requestedFiles"]
    assert set(preview) == {"fileHandleId", "previewPreSignedURL"}
    blob = await synapse.download(preview["previewPreSignedURL"])
    assert blob.raw.startswith(b"id,value\n")


async def test_batch_refuses_more_than_100_items(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("public_file")
    pairs = [(obj["file_handle_id"], obj["entity_id"])] * 101
    answer = await synapse.batch("alice", pairs)
    assert (answer.status, answer.reason) == (
        400,
        "Request exceeds the maximum number of objects per request: 100",
    )
    assert (await synapse.batch("alice", pairs[:100])).status == 201


async def test_batch_without_any_include_flag_is_400(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("public_file")
    pairs = [(obj["file_handle_id"], obj["entity_id"])]
    answer = await synapse.batch("alice", pairs, handles=False, urls=False)
    assert (answer.status, answer.reason) == (
        400,
        "Must include either FileHandles or pre-signed URLs or preview pre-signed URLs",
    )


async def test_a_raw_handle_is_shown_to_its_creator_only(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("raw_file_handle")
    mine = await synapse.raw_handle("alice", obj["access_id"])
    assert (mine.status, mine.json["contentMd5"], mine.json["contentSize"]) == (
        200,
        obj["md5"],
        obj["size"],
    )
    for user in ("bob", "anonymous"):
        answer = await synapse.raw_handle(user, obj["access_id"])
        assert answer.status == 403
        assert answer.reason == (
            "Only the creator of a FileHandle can access it directly by its ID.  "
            f"FileHandleId = '{obj['access_id']}', UserId = '{emulator.user_id(user)}'"
        )


async def test_a_raw_handles_url_is_signed_for_its_creator_only(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("raw_file_handle")
    url = await synapse.raw_handle_url("alice", obj["access_id"])
    assert md5_of((await synapse.download(url.text)).raw) == obj["md5"]
    refused = await synapse.raw_handle_url("dave", obj["access_id"])
    assert (refused.status, refused.reason) == (403, NOT_CREATOR_URL)


async def test_a_missing_raw_handle_is_404(synapse: Synapse) -> None:
    for answer in (
        await synapse.raw_handle("alice", "999999999"),
        await synapse.raw_handle_url("alice", "999999999"),
    ):
        assert (answer.status, answer.reason) == (404, "FileHandle: '999999999' cannot be found")
