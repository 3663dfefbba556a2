"""Handlers of `/repo/v1`: an entity at a version, its bundle, its columns, the caller's profile."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from adapter.emulator import errors
from adapter.emulator.access import (
    download_denial,
    parse_entity_id,
    parse_long,
    readable_entity,
)
from adapter.emulator.auth import VIEW, caller_of
from adapter.emulator.keys import CATALOGUE
from adapter.emulator.model import Entity, User, Version
from adapter.emulator.views import (
    bundle_handles,
    entity_header_json,
    entity_json,
    handle_json,
    permissions_json,
    profile_json,
    restriction_json,
)


def _entity_at_version(request: web.Request, user: User | None) -> tuple[Entity, Version]:
    """Parse the path, check READ (404 and trash first), then find the version.

    Without a version in the path (`/entity/{id}`, `/entity/{id}/bundle2`) Synapse answers
    with the current one, the latest.
    """
    number = parse_entity_id(request.match_info["id"])
    raw_version = request.match_info.get("version")
    wanted = parse_long(raw_version) if raw_version is not None else None
    entity = readable_entity(request.app[CATALOGUE], number, user)
    if wanted is None:
        return entity, entity.versions[-1]
    version = entity.version(wanted)
    if version is None:
        raise errors.version_missing(entity.id, wanted)
    return entity, version


async def get_entity(request: web.Request) -> web.Response:
    """`GET /entity/{id}` and `GET /entity/{id}/version/{version}`."""
    caller = caller_of(request)
    caller.require_scope(VIEW)
    entity, version = _entity_at_version(request, caller.user)
    return errors.json_response(entity_json(entity, version))


async def get_entity_type(request: web.Request) -> web.Response:
    """`GET /entity/{id}/type`: the EntityHeader of the current version (synapseclient's
    `operations.get` asks for it first, to pick the model class)."""
    caller = caller_of(request)
    caller.require_scope(VIEW)
    entity, version = _entity_at_version(request, caller.user)
    return errors.json_response(entity_header_json(entity, version))


async def _bundle_flags(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        flags = json.loads(raw)
    except ValueError as exc:
        raise errors.bad_request(f"Could not parse the request body: {exc}") from exc
    if not isinstance(flags, dict):
        raise errors.bad_request("The request body must be a JSON object.")
    return flags


async def post_bundle(request: web.Request) -> web.Response:
    """`POST /entity/{id}/bundle2` and `POST /entity/{id}/version/{version}/bundle2`."""
    caller = caller_of(request)
    caller.require_scope(VIEW)
    flags = await _bundle_flags(request)
    user = caller.user
    entity, version = _entity_at_version(request, user)
    body: dict[str, Any] = {"entityType": entity.type}
    if flags.get("includeEntity"):
        body["entity"] = entity_json(entity, version)
    if flags.get("includeAnnotations"):
        body["annotations"] = {"id": entity.id, "etag": version.etag, "annotations": {}}
    if flags.get("includePermissions"):
        body["permissions"] = permissions_json(entity, user)
    if flags.get("includeRestrictionInformation"):
        body["restrictionInformation"] = restriction_json(entity, user)
    handles = bundle_handles(request.app[CATALOGUE], version)
    if flags.get("includeFileHandles"):
        # Synapse shows file handles only to callers who may download (the token's scopes
        # are not part of that decision); everyone else silently gets an empty list.
        visible = download_denial(entity, user) is None
        origin = str(request.url.origin())
        body["fileHandles"] = [handle_json(h, origin) for h in handles] if visible else []
    if flags.get("includeFileName") and handles:
        body["fileName"] = handles[-1].file_name
    return errors.json_response(body)


async def get_columns(request: web.Request) -> web.Response:
    """The entity's column models; an emulated Dataset has none (synapseclient asks for them)."""
    caller = caller_of(request)
    caller.require_scope(VIEW)
    number = parse_entity_id(request.match_info["id"])
    readable_entity(request.app[CATALOGUE], number, caller.user)
    return errors.json_response({"totalNumberOfResults": 0, "results": []})


async def get_user_profile(request: web.Request) -> web.Response:
    caller = caller_of(request)
    caller.require_scope(VIEW)
    return errors.json_response(profile_json(caller.user))
