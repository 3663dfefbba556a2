"""The manifest: the demo catalogue's cases and users, and every object resolving as listed."""

from __future__ import annotations

import time
from typing import Any

from adapter.emulator import EmulatorConfig, create_emulator_app
from tests.conftest import EmulatorFactory
from tests.emulator.calls import Synapse, md5_of
from tests.emulator_handle import EmulatorHandle

EVERYONE = ["alice", "bob", "carol", "dave", "service"]
Expected = tuple[list[str], list[str], list[str]]
PRIVATE: Expected = (EVERYONE, ["alice", "carol", "dave", "service"], ["alice", "dave"])
CONTAINER: Expected = (EVERYONE, EVERYONE, [])
# case -> (readers, handle_viewers, downloaders), written from the brief, not from the code.
EXPECTED: dict[str, Expected] = {
    "project": CONTAINER,
    "folder": CONTAINER,
    "public_file": (["anonymous", *EVERYONE], EVERYONE, ["alice", "bob", "dave"]),
    "private_file": PRIVATE,
    "readable_not_downloadable": (
        ["alice", "bob", "dave", "service"],
        ["alice", "service"],
        ["alice"],
    ),
    "multi_version_v1": PRIVATE,
    "multi_version_v2": PRIVATE,
    "multi_version_v3": PRIVATE,
    "preview_file": PRIVATE,
    "dataset_hidden_item": (["alice", "service"], ["alice", "service"], ["alice"]),
    "dataset": CONTAINER,
    "empty_dataset": CONTAINER,
    "trashed_file": ([], [], []),
    "external_file": PRIVATE,
    "unmet_access_requirement": (["alice", "bob", "service"], ["alice", "service"], ["alice"]),
    "raw_file_handle": (["alice"], ["alice"], ["alice"]),
    "creator_download": (
        ["alice", "bob", "dave", "service"],
        ["alice", "service"],
        ["alice", "dave"],
    ),
    "external_file_no_md5": PRIVATE,
    "archived_file": PRIVATE,
    "unlinked_file": PRIVATE,
    "open_data_file": (
        ["anonymous", *EVERYONE],
        ["anonymous", *EVERYONE],
        ["anonymous", "alice", "bob", "dave"],
    ),
    "dataset_no_md5": CONTAINER,
    "archived_raw_file_handle": (["alice"], ["alice"], ["alice"]),
}
KINDS = {
    "dataset_no_md5": "bundle",
    "project": "unsupported",
    "folder": "unsupported",
    "dataset": "bundle",
    "empty_dataset": "bundle",
    "trashed_file": "trashed",
}


def test_the_demo_manifest_has_one_object_per_case_with_the_agreed_permissions(
    emulator: EmulatorHandle,
) -> None:
    objects = emulator.manifest["objects"]
    assert [o["case"] for o in objects] == list(EXPECTED)
    for obj in objects:
        listed = (obj["readers"], obj["handle_viewers"], obj["downloaders"])
        assert listed == EXPECTED[obj["case"]], obj["case"]
        assert obj["kind"] == KINDS.get(obj["case"], "blob")


def test_the_manifest_names_users_tokens_scopes_and_the_invalid_token(
    emulator: EmulatorHandle,
) -> None:
    users = emulator.manifest["users"]
    assert list(users) == EVERYONE
    assert users["alice"]["scopes"] == ["download", "modify", "view"]
    assert users["carol"]["scopes"] == users["service"]["scopes"] == ["view"]
    assert "download" in users["dave"]["scopes"]
    assert len({u["token"] for u in users.values()}) == 5
    assert emulator.manifest["invalid_token"] not in {u["token"] for u in users.values()}
    assert emulator.manifest["synapse_url"] == emulator.url


def test_ids_look_like_synapses(emulator: EmulatorHandle) -> None:
    versions = [emulator.obj(f"multi_version_v{v}")["drs_id"] for v in (1, 2, 3)]
    entity = emulator.obj("multi_version_v1")["entity_id"]
    assert versions == [f"{entity}.1", f"{entity}.2", f"{entity}.3"]
    assert int(entity.removeprefix("syn")) > 1_000_000
    raw = emulator.obj("raw_file_handle")
    assert raw["drs_id"] == f"fh{raw['access_id']}"
    assert raw["access_id"].isdigit()
    blob = emulator.obj("private_file")
    assert blob["access_id"] == f"FileEntity_{blob['drs_id']}_{blob['file_handle_id']}"
    assert all(u["id"].isdigit() for u in emulator.manifest["users"].values())


async def _check_entity(synapse: Synapse, obj: dict[str, Any], user: str) -> None:
    entity_id, version = obj["entity_id"], obj["version"]
    answer = await synapse.entity(user, entity_id, version)
    if obj["kind"] == "trashed":
        assert answer.status == 404
        return
    assert (answer.status == 200) == (user in obj["readers"]), (obj["case"], user)
    if answer.status != 200:
        return
    assert answer.json["name"] == obj["name"]
    assert answer.json.get("description") == obj.get("description")
    if obj["kind"] == "bundle":
        items = answer.json.get("items", [])
        assert [f"{i['entityId']}.{i['versionNumber']}" for i in items] == obj["contents"]
        totals = (answer.json.get("checksum"), answer.json.get("size"))
        assert totals == (obj["md5"], obj["size"])
    if obj["kind"] != "blob":
        return
    handles = (await synapse.bundle(user, entity_id, version)).json["fileHandles"]
    data = [h for h in handles if h["id"] == obj["file_handle_id"]]
    assert bool(data) == (user in obj["handle_viewers"]), (obj["case"], user)
    if data:
        listed = (data[0].get("contentMd5"), data[0].get("contentSize"), data[0]["status"])
        assert listed == (obj["md5"], obj["size"], obj["status"])
    url = await synapse.file_url(user, obj["file_handle_id"], entity_id)
    assert (url.status == 200) == (user in obj["downloaders"]), (obj["case"], user)
    if url.status == 200:
        await _check_bytes(synapse, obj, url.text)


async def _check_bytes(synapse: Synapse, obj: dict[str, Any], url: str) -> None:
    """The bytes behind a URL: those listed, or storage's refusal for an archived object."""
    blob = await synapse.download(url)
    if obj["status"] == "ARCHIVED":
        assert blob.status == 403
        assert b"<Code>InvalidObjectState</Code>" in blob.raw
        return
    assert (md5_of(blob.raw), len(blob.raw)) == (obj["bytes_md5"], obj["bytes_size"])
    if obj["md5"] is not None:
        assert (obj["md5"], obj["size"]) == (obj["bytes_md5"], obj["bytes_size"])


async def _check_raw(synapse: Synapse, obj: dict[str, Any], user: str) -> None:
    answer = await synapse.raw_handle(user, obj["access_id"])
    assert (answer.status == 200) == (user in obj["readers"])
    url = await synapse.raw_handle_url(user, obj["access_id"])
    assert (url.status == 200) == (user in obj["downloaders"])
    if url.status == 200:
        await _check_bytes(synapse, obj, url.text)


async def test_every_listed_object_resolves_for_every_user_as_listed(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    for obj in emulator.manifest["objects"]:
        for user in emulator.users:
            if obj["drs_id"].startswith("fh"):
                await _check_raw(synapse, obj, user)
            else:
                await _check_entity(synapse, obj, user)


async def test_the_manifest_route_serves_the_same_manifest(emulator: EmulatorHandle) -> None:
    async with emulator.session.get(f"{emulator.url}/_emulator/manifest") as response:
        assert await response.json() == emulator.manifest


def test_ten_thousand_generated_files_build_well_under_ten_seconds() -> None:
    start = time.perf_counter()
    create_emulator_app(EmulatorConfig(files=10_000))
    assert time.perf_counter() - start < 5


async def test_generated_files_and_dataset_resolve_as_listed(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(files=20, dataset_items=30)
    synapse = Synapse(emulator)
    generated = [o for o in emulator.manifest["objects"] if o["case"] == "generated_file"]
    assert len(generated) == 30  # the dataset's 30 items include the 20 files
    (dataset,) = [o for o in emulator.manifest["objects"] if o["case"] == "generated_dataset"]
    assert dataset["contents"] == [o["drs_id"] for o in generated]
    assert dataset["size"] == sum(o["size"] for o in generated)
    assert dataset["md5"] == md5_of("".join(sorted(o["md5"] for o in generated)).encode())
    for obj in (generated[0], generated[-1], dataset):
        for user in ("alice", "anonymous", "bob"):
            await _check_entity(synapse, obj, user)
    assert generated[0]["readers"] == ["anonymous", *EVERYONE]
    assert generated[0]["downloaders"] == ["alice"]


async def test_an_empty_seed_has_users_but_no_objects(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(seed="empty")
    assert emulator.manifest["objects"] == []
    assert list(emulator.manifest["users"]) == EVERYONE
