"""The manifest: base URL, users and tokens, and every catalogue object with who may do what."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapter.emulator.access import download_denial, read_denial
from adapter.emulator.auth import DOWNLOAD_SCOPE
from adapter.emulator.blobs import BlobStore
from adapter.emulator.keys import BLOBS, CATALOGUE
from adapter.emulator.model import ANONYMOUS, Case, Catalogue, FileHandle, User
from adapter.emulator.views import external_url

_KIND = {"file": "blob", "dataset": "bundle"}


def emulator_manifest(app: web.Application, base_url: str) -> dict[str, Any]:
    """What demos and tests read: built from the same access rules the handlers apply."""
    catalogue = app[CATALOGUE]
    blobs = app[BLOBS]
    base = base_url.rstrip("/")
    callers: list[User | None] = [None, *catalogue.users.values()]
    return {
        "synapse_url": base,
        "repo_endpoint": f"{base}/repo/v1",
        "file_endpoint": f"{base}/file/v1",
        "auth_endpoint": f"{base}/auth/v1",
        "users": {
            u.name: {"token": u.token, "id": u.id, "scopes": sorted(u.scopes)}
            for u in catalogue.users.values()
        },
        "anonymous": {"token": None, "id": "273950"},
        "invalid_token": catalogue.invalid_token,
        "objects": [_object(catalogue, blobs, case, callers, base) for case in catalogue.cases],
    }


def _names(users: list[User | None]) -> list[str]:
    return [u.name if u is not None else ANONYMOUS for u in users]


def _downloaders(users: list[User | None]) -> list[User | None]:
    """Those with the download scope; anonymous has no token, so no scope to lack."""
    return [u for u in users if u is None or DOWNLOAD_SCOPE in u.scopes]


def _object(
    catalogue: Catalogue, blobs: BlobStore, case: Case, callers: list[User | None], base: str
) -> dict[str, Any]:
    if case.entity is None:
        assert case.handle is not None, "a case is an entity version or a raw file handle"
        return _raw_handle(blobs, case, catalogue.handles[case.handle], callers)
    entity = catalogue.entities[case.entity]
    version = entity.versions[(case.version or 1) - 1]
    drs_id = f"{entity.id}.{version.number}"
    body: dict[str, Any] = {
        "case": case.case,
        "drs_id": drs_id,
        "kind": "trashed" if entity.trashed else _KIND.get(entity.type, "unsupported"),
        "entity_id": entity.id,
        "version": version.number,
        "entity_type": entity.type,
        "name": entity.name,
        "summary": case.description,
    }
    if entity.description is not None:  # what the entity (and so the DRS object) says
        body["description"] = entity.description
    readers = [] if entity.trashed else [u for u in callers if read_denial(entity, u) is None]
    viewers = readers
    downloaders: list[User | None] = []
    if entity.type == "file":
        body["open_data"] = entity.open_data
        viewers = [u for u in readers if download_denial(entity, u) is None]
        body.update(_file_fields(catalogue, blobs, drs_id, version.file_handle_id, base))
        handle = catalogue.handles[body["file_handle_id"]]
        # Whoever may download through the entity, and the handle's creator whatever else.
        downloaders = _downloaders(
            [u for u in callers if u in viewers or (u is not None and u.id == handle.created_by)]
        )
    if entity.type == "dataset":
        body["contents"] = [f"syn{i.entity}.{i.version}" for i in version.items or ()]
        body["md5"] = version.checksum
        body["size"] = version.size
    body["readers"] = _names(readers)
    body["handle_viewers"] = _names(viewers)
    body["downloaders"] = _names(downloaders)
    return body


def _file_fields(
    catalogue: Catalogue, blobs: BlobStore, drs_id: str, handle_id: str | None, base: str
) -> dict[str, Any]:
    assert handle_id is not None, "every FileEntity version has a data file handle"
    handle = catalogue.handles[handle_id]
    fields: dict[str, Any] = {
        "access_id": f"FileEntity_{drs_id}_{handle.id}",
        "file_handle_id": handle.id,
        **_handle_fields(blobs, handle),
        "file_name": handle.file_name,
        "external": handle.external,
    }
    if handle.preview_id is not None:
        fields["preview_file_handle_id"] = handle.preview_id
    if handle.external:
        fields["external_url"] = external_url(handle, base)
    return fields


def _raw_handle(
    blobs: BlobStore, case: Case, handle: FileHandle, callers: list[User | None]
) -> dict[str, Any]:
    creator = [u for u in callers if u is not None and u.id == handle.created_by]
    return {
        "case": case.case,
        "drs_id": f"fh{handle.id}",
        "kind": "blob",
        "access_id": handle.id,
        "file_handle_id": handle.id,
        **_handle_fields(blobs, handle),
        "name": handle.file_name,
        "file_name": handle.file_name,
        "summary": case.description,
        "readers": _names(list(creator)),
        "handle_viewers": _names(list(creator)),
        "downloaders": _names(list(_downloaders(list(creator)))),
    }


def _handle_fields(blobs: BlobStore, handle: FileHandle) -> dict[str, Any]:
    """What the handle says (md5 and size None when Synapse has none), and what is stored.

    `bytes_md5` and `bytes_size` describe the bytes behind the handle, so a test can check a
    download even where Synapse knows no md5; `status` is the handle's FileHandleStatus.
    """
    stored = blobs.digest(handle.blob_key)
    return {
        "md5": handle.md5,
        "size": handle.size,
        "bytes_md5": stored[0],
        "bytes_size": stored[1],
        "status": handle.status,
        "mime_type": handle.content_type,
    }
