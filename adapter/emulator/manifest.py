"""The manifest: base URL, users and tokens, and every catalogue object with who may do what."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from adapter.emulator.access import download_denial, read_denial
from adapter.emulator.auth import DOWNLOAD_SCOPE
from adapter.emulator.keys import CATALOGUE
from adapter.emulator.model import ANONYMOUS, Case, Catalogue, FileHandle, User
from adapter.emulator.views import external_url

_KIND = {"file": "blob", "dataset": "bundle"}


def emulator_manifest(app: web.Application, base_url: str) -> dict[str, Any]:
    """What demos and tests read: built from the same access rules the handlers apply."""
    catalogue = app[CATALOGUE]
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
        "objects": [_object(catalogue, case, callers, base) for case in catalogue.cases],
    }


def _names(users: list[User | None]) -> list[str]:
    return [u.name if u is not None else ANONYMOUS for u in users]


def _downloaders(users: list[User | None]) -> list[User | None]:
    return [u for u in users if u is not None and DOWNLOAD_SCOPE in u.scopes]


def _object(
    catalogue: Catalogue, case: Case, callers: list[User | None], base: str
) -> dict[str, Any]:
    if case.entity is None:
        assert case.handle is not None, "a case is an entity version or a raw file handle"
        return _raw_handle(catalogue, case, catalogue.handles[case.handle], callers)
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
    if entity.type == "file":
        viewers = [u for u in readers if download_denial(entity, u) is None]
        body.update(_file_fields(catalogue, drs_id, version.file_handle_id, base))
    downloaders = _downloaders(viewers) if entity.type == "file" else []
    if entity.type == "dataset":
        body["contents"] = [f"syn{i.entity}.{i.version}" for i in version.items or ()]
        body["md5"] = version.checksum
        body["size"] = version.size
    body["readers"] = _names(readers)
    body["handle_viewers"] = _names(viewers)
    body["downloaders"] = _names(downloaders)
    return body


def _file_fields(
    catalogue: Catalogue, drs_id: str, handle_id: str | None, base: str
) -> dict[str, Any]:
    assert handle_id is not None, "every FileEntity version has a data file handle"
    handle = catalogue.handles[handle_id]
    fields: dict[str, Any] = {
        "access_id": f"FileEntity_{drs_id}_{handle.id}",
        "file_handle_id": handle.id,
        "md5": handle.md5,
        "size": handle.size,
        "mime_type": handle.content_type,
        "file_name": handle.file_name,
        "external": handle.external,
    }
    if handle.preview_id is not None:
        fields["preview_file_handle_id"] = handle.preview_id
    if handle.external:
        fields["external_url"] = external_url(handle, base)
    return fields


def _raw_handle(
    catalogue: Catalogue, case: Case, handle: FileHandle, callers: list[User | None]
) -> dict[str, Any]:
    creator = [u for u in callers if u is not None and u.id == handle.created_by]
    return {
        "case": case.case,
        "drs_id": f"fh{handle.id}",
        "kind": "blob",
        "access_id": handle.id,
        "file_handle_id": handle.id,
        "md5": handle.md5,
        "size": handle.size,
        "mime_type": handle.content_type,
        "name": handle.file_name,
        "file_name": handle.file_name,
        "summary": case.description,
        "readers": _names(list(creator)),
        "handle_viewers": _names(list(creator)),
        "downloaders": _names(list(_downloaders(list(creator)))),
    }
