"""Fidelity: Synapse's own Python client, pointed at the emulator, reads its answers and errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import synapseclient
from synapseclient import operations
from synapseclient.api import entity_bundle_services_v2, entity_services, file_services
from synapseclient.core.credentials.cred_data import SynapseAuthTokenCredentials
from synapseclient.core.exceptions import (
    SynapseAuthenticationError,
    SynapseAuthorizationError,
    SynapseHTTPError,
)
from synapseclient.models import Dataset, File, Project

from tests.emulator.calls import Synapse, md5_of
from tests.emulator_handle import ANONYMOUS, EmulatorHandle

ClientFactory = Callable[[str], Awaitable[Any]]
# `syn.get` is what most users still call; synapseclient 4.11 deprecated it (and 4.14 the
# Entity classes it returns) for operations.get and the models.
SYN_GET = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")


async def _md5_of_file(path: str) -> str:
    """The md5 of a file synapseclient downloaded, read off the event loop."""
    return md5_of(await asyncio.to_thread(Path(path).read_bytes))


@pytest.fixture
async def client_for(emulator: EmulatorHandle, tmp_path: Path) -> AsyncIterator[ClientFactory]:
    """synapseclient logged in as a manifest user, on the emulator's URLs, caching under tmp."""
    made: list[tuple[Any, httpx.AsyncClient]] = []

    async def make(user: str) -> Any:
        http = httpx.AsyncClient()
        syn = synapseclient.Synapse(
            repoEndpoint=f"{emulator.url}/repo/v1",
            authEndpoint=f"{emulator.url}/auth/v1",
            fileHandleEndpoint=f"{emulator.url}/file/v1",
            portalEndpoint=f"{emulator.url}/",
            skip_checks=True,  # no version check, no endpoint probing: nothing leaves loopback
            configPath=str(tmp_path / "synapseConfig"),
            cache_root_dir=str(tmp_path / f"cache-{len(made)}"),
            silent=True,
            requests_session_async_synapse=http,
            asyncio_event_loop=asyncio.get_running_loop(),
            cache_client=False,
        )
        made.append((syn, http))
        token = emulator.token(user)
        if token is not None:
            # login() is synchronous (requests): run it off the loop that serves the emulator.
            await asyncio.to_thread(syn.login, authToken=token, silent=True)
        return syn

    yield make
    for syn, http in made:
        await http.aclose()
        syn._requests_session.close()
        syn._requests_session_storage.close()


async def test_login_with_a_token_reads_the_callers_profile(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    syn = await client_for("alice")
    assert syn.credentials.owner_id == emulator.user_id("alice")
    assert syn.credentials.username == "alice"
    assert (await emulator.stats())["by_route"] == {"GET /repo/v1/userProfile": 1}


async def test_login_with_an_invalid_token_is_an_authentication_error(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    syn = await client_for(ANONYMOUS)
    with pytest.raises(SynapseAuthenticationError):
        await asyncio.to_thread(syn.login, authToken=emulator.manifest["invalid_token"])


async def test_a_token_gone_bad_after_login_is_an_http_401(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    syn = await client_for("alice")
    syn.credentials = SynapseAuthTokenCredentials(emulator.manifest["invalid_token"])
    with pytest.raises(SynapseHTTPError) as caught:
        await entity_services.get_entity("syn1000003", version_number=1, synapse_client=syn)
    assert caught.value.response.status_code == 401
    assert "Invalid access token" in str(caught.value)


async def test_get_entity_at_a_version_parses(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    obj = emulator.obj("multi_version_v2")
    syn = await client_for("bob")
    entity = await entity_services.get_entity(
        obj["entity_id"], version_number=2, synapse_client=syn
    )
    assert (entity["versionNumber"], entity["dataFileHandleId"]) == (2, obj["file_handle_id"])


async def test_bundle2_with_the_clients_default_request(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    obj = emulator.obj("preview_file")
    dave = await client_for("dave")
    bob = await client_for("bob")
    mine = await entity_bundle_services_v2.get_entity_id_version_bundle2(
        obj["entity_id"], 1, synapse_client=dave
    )
    theirs = await entity_bundle_services_v2.get_entity_id_version_bundle2(
        obj["entity_id"], 1, synapse_client=bob
    )
    assert [h["id"] for h in mine["fileHandles"]] == [
        obj["preview_file_handle_id"],
        obj["file_handle_id"],
    ]
    assert theirs["fileHandles"] == []
    assert mine["restrictionInformation"]["hasUnmetAccessRequirement"] is False
    assert mine["annotations"]["id"] == obj["entity_id"]


async def test_file_handle_for_download_gives_a_url_to_the_exact_bytes(
    emulator: EmulatorHandle, client_for: ClientFactory, synapse: Synapse
) -> None:
    obj = emulator.obj("private_file")
    syn = await client_for("dave")
    result = await file_services.get_file_handle_for_download_async(
        obj["file_handle_id"], obj["entity_id"], synapse_client=syn
    )
    assert result["fileHandle"]["contentMd5"] == obj["md5"]
    assert md5_of((await synapse.download(result["preSignedURL"])).raw) == obj["md5"]


async def test_file_handle_for_download_without_permission_is_an_authorization_error(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    obj = emulator.obj("private_file")
    syn = await client_for("bob")
    with pytest.raises(SynapseAuthorizationError):
        await file_services.get_file_handle_for_download_async(
            obj["file_handle_id"], obj["entity_id"], synapse_client=syn
        )


async def test_file_handle_for_download_with_a_view_only_token_is_an_http_403(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    obj = emulator.obj("private_file")
    syn = await client_for("carol")
    with pytest.raises(SynapseHTTPError) as caught:
        await file_services.get_file_handle_for_download_async(
            obj["file_handle_id"], obj["entity_id"], synapse_client=syn
        )
    assert caught.value.response.status_code == 403
    assert "insufficient_scope" in str(caught.value)


async def test_raw_file_handle_and_its_url_for_the_creator_and_a_403_for_others(
    emulator: EmulatorHandle, client_for: ClientFactory, synapse: Synapse
) -> None:
    obj = emulator.obj("raw_file_handle")
    alice = await client_for("alice")
    handle = await file_services.get_file_handle(obj["access_id"], synapse_client=alice)
    assert (handle["contentMd5"], handle["contentSize"]) == (obj["md5"], obj["size"])
    url = await file_services.get_file_handle_presigned_url(obj["access_id"], synapse_client=alice)
    assert md5_of((await synapse.download(url)).raw) == obj["md5"]
    bob = await client_for("bob")
    with pytest.raises(SynapseHTTPError) as caught:
        await file_services.get_file_handle(obj["access_id"], synapse_client=bob)
    assert caught.value.response.status_code == 403
    assert "Only the creator of a FileHandle can access it directly" in str(caught.value)


async def test_dataset_get_async_reads_items_size_and_checksum(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    obj = emulator.obj("dataset")
    syn = await client_for("dave")
    dataset = await Dataset(id=obj["entity_id"], version_number=1).get_async(synapse_client=syn)
    assert [f"{i.id}.{i.version}" for i in dataset.items] == obj["contents"]
    assert (dataset.size, dataset.checksum) == (obj["size"], obj["md5"])
    routes = (await emulator.stats())["by_route"]
    assert routes["POST /repo/v1/entity/{id}/version/{version}/bundle2"] == 1
    assert routes["GET /repo/v1/entity/{id}/column"] == 1


async def test_missing_and_trashed_entities_are_http_404s(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    syn = await client_for("alice")
    trashed = emulator.obj("trashed_file")["entity_id"]
    for entity_id, message in (
        ("syn999999999", "Resource: 'syn999999999' does not exist"),
        (trashed, f"Entity {trashed} is in trash can."),
    ):
        with pytest.raises(SynapseHTTPError) as caught:
            await entity_services.get_entity(entity_id, version_number=1, synapse_client=syn)
        assert caught.value.response.status_code == 404
        assert message in str(caught.value)


async def test_no_read_permission_is_an_http_403_for_a_user(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    syn = await client_for("carol")
    entity_id = emulator.obj("readable_not_downloadable")["entity_id"]
    with pytest.raises(SynapseHTTPError) as caught:
        await entity_services.get_entity(entity_id, version_number=1, synapse_client=syn)
    assert caught.value.response.status_code == 403
    assert "You lack READ access to the requested entity." in str(caught.value)


async def test_a_403_without_login_is_an_authentication_error(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    syn = await client_for(ANONYMOUS)
    entity_id = emulator.obj("private_file")["entity_id"]
    with pytest.raises(SynapseAuthenticationError):
        await entity_services.get_entity(entity_id, version_number=1, synapse_client=syn)
    public = emulator.obj("public_file")["entity_id"]
    entity = await entity_services.get_entity(public, version_number=1, synapse_client=syn)
    assert entity["id"] == public


@SYN_GET
async def test_syn_get_without_a_version_downloads_the_current_version(
    emulator: EmulatorHandle, client_for: ClientFactory, tmp_path: Path
) -> None:
    latest = emulator.obj("multi_version_v3")
    syn = await client_for("dave")
    entity = await asyncio.to_thread(
        syn.get, latest["entity_id"], downloadLocation=str(tmp_path / "dl")
    )
    assert (entity.versionNumber, entity.dataFileHandleId) == (3, latest["file_handle_id"])
    assert await _md5_of_file(entity.path) == latest["md5"]
    assert "POST /repo/v1/entity/{id}/bundle2" in (await emulator.stats())["by_route"]


@SYN_GET
async def test_syn_get_of_a_project_reads_it(
    emulator: EmulatorHandle, client_for: ClientFactory
) -> None:
    project = emulator.obj("project")
    syn = await client_for("bob")
    entity = await asyncio.to_thread(syn.get, project["entity_id"])
    assert isinstance(entity, synapseclient.Project)
    assert entity.name == project["name"]


@SYN_GET
async def test_syn_get_downloads_a_url_linked_file_without_md5(
    emulator: EmulatorHandle, client_for: ClientFactory, tmp_path: Path
) -> None:
    obj = emulator.obj("external_file_no_md5")
    syn = await client_for("dave")
    entity = await asyncio.to_thread(syn.get, obj["entity_id"], downloadLocation=str(tmp_path))
    assert entity._file_handle.get("contentMd5") is None
    assert await _md5_of_file(entity.path) == obj["bytes_md5"]


@SYN_GET
async def test_anonymous_syn_get_downloads_open_data_but_not_a_public_file(
    emulator: EmulatorHandle, client_for: ClientFactory, tmp_path: Path
) -> None:
    syn = await client_for(ANONYMOUS)
    obj = emulator.obj("open_data_file")
    entity = await asyncio.to_thread(syn.get, obj["entity_id"], downloadLocation=str(tmp_path))
    assert await _md5_of_file(entity.path) == obj["md5"]
    public = emulator.obj("public_file")
    metadata = await asyncio.to_thread(
        syn.get, public["entity_id"], downloadLocation=str(tmp_path / "public")
    )
    assert metadata.path is None  # no file handle in the bundle: nothing to download


@SYN_GET
async def test_syn_get_of_an_archived_file_fails_at_storage(
    emulator: EmulatorHandle, client_for: ClientFactory, tmp_path: Path
) -> None:
    obj = emulator.obj("archived_file")
    syn = await client_for("dave")
    with pytest.raises(SynapseHTTPError) as caught:
        await asyncio.to_thread(syn.get, obj["entity_id"], downloadLocation=str(tmp_path))
    assert caught.value.response.status_code == 403
    assert "InvalidObjectState" in str(caught.value)


@pytest.mark.parametrize(
    ("case", "checksum", "size"), [("dataset_no_md5", None, 0), ("empty_dataset", None, None)]
)
async def test_datasets_without_checksums_read_as_synapse_leaves_them(
    emulator: EmulatorHandle, client_for: ClientFactory, case: str, checksum: None, size: int | None
) -> None:
    obj = emulator.obj(case)
    syn = await client_for("dave")
    dataset = await Dataset(id=obj["entity_id"], version_number=1).get_async(synapse_client=syn)
    assert (dataset.checksum, dataset.size) == (checksum, size) == (obj["md5"], obj["size"])
    assert [f"{i.id}.{i.version}" for i in dataset.items] == obj["contents"]


async def test_operations_get_async_reads_a_project_and_downloads_a_file(
    emulator: EmulatorHandle, client_for: ClientFactory, tmp_path: Path
) -> None:
    """The non-deprecated entry point takes the same routes."""
    syn = await client_for("dave")
    project = await operations.get_async(emulator.obj("project")["entity_id"], synapse_client=syn)
    assert isinstance(project, Project)
    obj = emulator.obj("private_file")
    file = await operations.get_async(
        obj["entity_id"],
        file_options=operations.FileOptions(download_location=str(tmp_path)),
        synapse_client=syn,
    )
    assert isinstance(file, File)
    assert file.path is not None
    assert await _md5_of_file(file.path) == obj["md5"]
