"""Handlers of `/file/v1`: the handle-and-URL batch, URLs by association, raw file handles."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from adapter.emulator import errors
from adapter.emulator.access import associated_handle, own_handle
from adapter.emulator.auth import DOWNLOAD_SCOPE, VIEW, caller_of
from adapter.emulator.keys import CATALOGUE, SIGNER
from adapter.emulator.model import FileHandle
from adapter.emulator.views import external_url, handle_json

_TRUE = frozenset({"true", "on", "yes", "1"})
_FALSE = frozenset({"false", "off", "no", "0"})


def presigned_url(request: web.Request, handle: FileHandle) -> str:
    """S3 handles get a signed, expiring URL; an external handle's URL comes back unchanged."""
    origin = str(request.url.origin())
    if handle.external:
        return external_url(handle, origin)
    return request.app[SIGNER].sign(origin, handle.blob_key)


def _redirect(request: web.Request) -> bool:
    raw = request.query.get("redirect")
    if raw is None or raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise errors.bad_request(f"Invalid boolean value '{raw}'")


def _url_answer(request: web.Request, url: str) -> web.Response:
    """`redirect=false`: the URL as text/plain; otherwise a 307 to it."""
    if _redirect(request):
        return web.Response(status=307, headers={"Location": url})
    return web.Response(text=url, content_type="text/plain", charset="UTF-8")


async def get_file_url(request: web.Request) -> web.Response:
    caller = caller_of(request)
    caller.require_scope(DOWNLOAD_SCOPE)
    object_type = request.query.get("fileAssociateType")
    object_id = request.query.get("fileAssociateId")
    # Spring binds the parameters in the handler's order: the enum, then the id.
    if object_type is None:
        raise errors.missing_parameter("fileAssociateType", "FileHandleAssociateType")
    if object_id is None:
        raise errors.missing_parameter("fileAssociateId", "String")
    handle = associated_handle(
        request.app[CATALOGUE],
        caller.user,
        request.match_info["id"],
        object_id,
        object_type,
    )
    return _url_answer(request, presigned_url(request, handle))


async def get_handle(request: web.Request) -> web.Response:
    caller = caller_of(request)
    caller.require_scope(VIEW)
    handle = own_handle(request.app[CATALOGUE], caller.user, request.match_info["id"])
    return errors.json_response(handle_json(handle, str(request.url.origin())))


async def get_handle_url(request: web.Request) -> web.Response:
    caller = caller_of(request)
    caller.require_scope(DOWNLOAD_SCOPE)
    catalogue = request.app[CATALOGUE]
    handle = own_handle(catalogue, caller.user, request.match_info["id"], for_url=True)
    return _url_answer(request, presigned_url(request, handle))


async def _batch_request(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read())
    except ValueError as exc:
        raise errors.bad_request(f"Could not parse the request body: {exc}") from exc
    if not isinstance(body, dict):
        raise errors.bad_request("The request body must be a JSON object.")
    requested = body.get("requestedFiles")
    if not isinstance(requested, list):
        raise errors.bad_request("requestedFiles is required.")
    # FileHandleManagerImpl.getFileHandleAndUrlBatch checks the flags before the size.
    if not any(
        body.get(flag)
        for flag in ("includeFileHandles", "includePreSignedURLs", "includePreviewPreSignedURLs")
    ):
        raise errors.bad_request(errors.BATCH_NOTHING)
    if len(requested) > errors.BATCH_LIMIT:
        raise errors.bad_request(errors.BATCH_TOO_BIG)
    # AuthorizationManagerImpl.validate, before any authorization.
    if not requested:
        raise errors.bad_request(errors.BATCH_EMPTY)
    for item in requested:
        if not isinstance(item, dict):
            raise errors.bad_request("FileHandleAssociation cannot be null")
        for field in ("fileHandleId", "associateObjectId", "associateObjectType"):
            if not isinstance(item.get(field), str):
                raise errors.bad_request(f"FileHandleAssociation.{field} cannot be null")
    return body


async def post_batch(request: web.Request) -> web.Response:
    caller = caller_of(request)
    caller.require_scope(DOWNLOAD_SCOPE)
    body = await _batch_request(request)
    catalogue = request.app[CATALOGUE]
    origin = str(request.url.origin())
    results: list[dict[str, Any]] = []
    for item in body["requestedFiles"]:
        handle_id = item["fileHandleId"]
        try:
            handle = associated_handle(
                catalogue,
                caller.user,
                handle_id,
                item["associateObjectId"],
                item["associateObjectType"],
            )
        except errors.SynapseError as refusal:
            if refusal.status == 400:
                raise
            # Per-item failures never fail the call: no DOWNLOAD, not attached, a missing or
            # trashed entity, an unmet requirement are all UNAUTHORIZED.
            code = "NOT_FOUND" if refusal.reason.startswith("FileHandle: ") else "UNAUTHORIZED"
            results.append({"fileHandleId": handle_id, "failureCode": code})
            continue
        result: dict[str, Any] = {"fileHandleId": handle_id}
        if body.get("includeFileHandles"):
            result["fileHandle"] = handle_json(handle, origin)
        if body.get("includePreSignedURLs"):
            result["preSignedURL"] = presigned_url(request, handle)
        if body.get("includePreviewPreSignedURLs") and handle.preview_id is not None:
            preview = catalogue.handles[handle.preview_id]
            result["previewPreSignedURL"] = presigned_url(request, preview)
        results.append(result)
    return errors.json_response({"requestedFiles": results}, status=201)
