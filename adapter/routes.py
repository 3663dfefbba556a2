"""HTTP handlers (thin: parse, call the resolver, serialise) and the route table."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from aiohttp import hdrs, web

from adapter import DRS_BASE
from adapter.auth import bearer_token, request_caller
from adapter.bodies import BulkAccessBody, BulkObjectsBody, ObjectBody, RequestBody, read_body
from adapter.bulk import (
    Outcome,
    access_request_length,
    bulk_access,
    bulk_objects,
    check_length,
    parse_unique,
)
from adapter.errors import BadRequest, ServiceUnavailable
from adapter.ids import ObjectId, access_id_for, parse_object_id
from adapter.keys import CACHE_CONTROL, CALLER_IDS, RESOLVER, SERVICE_INFO, SETTINGS
from adapter.models import json_response
from adapter.settings import Settings

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0", ""})


def parse_expand(value: str | None) -> bool:
    """`expand` accepts true/false in any case, and 1/0 (docs/behaviour.md §4)."""
    if value is None:
        return False
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise BadRequest("Invalid value for expand: use true or false")


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A DNS name or IPv4 address, or a bracketed IPv6 address, and an optional port: nothing that
# could carry a user, a path, a query or a fragment into a `drs://` URI.
_HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?")
MSG_BAD_HOST = "Invalid Host header: expected host[:port]"


def public_host(request: web.Request, settings: Settings) -> str:
    """The host in self_uri and drs_uri: the configured one, else the request's Host, which
    must be a plain host[:port] (400 otherwise: it is written into the answer)."""
    configured = settings.drs_hostname
    if configured:
        return configured
    host = request.host
    if not _plain_host(host):
        raise BadRequest(MSG_BAD_HOST)
    return host


@functools.lru_cache(maxsize=256)
def _plain_host(host: str) -> bool:
    """Whether `host` is host[:port]; the few hosts a service is called by are checked once."""
    return len(host) <= 261 and _HOST.fullmatch(host) is not None


OPENAPI_DOCUMENT = Path(__file__).resolve().parent / "openapi" / "drs-openapi-1.5.0.yaml"


async def openapi_document(_request: web.Request) -> web.FileResponse:
    """The DRS 1.5.0 OpenAPI document this service implements, for clients and fuzzers."""
    return web.FileResponse(OPENAPI_DOCUMENT, headers={"Content-Type": "application/yaml"})


async def service_info(request: web.Request) -> web.Response:
    return request.app[SERVICE_INFO].to_response()


def _object_id(request: web.Request) -> ObjectId:
    return _parsed(request.match_info["object_id"], request.app[SETTINGS].max_id_length)


# Ids are pure text -> value: each distinct one is parsed once (a malformed one is not kept).
_parsed = functools.lru_cache(maxsize=4096)(parse_object_id)


async def _object(request: web.Request, expand: bool) -> web.Response:
    """A DrsObject, with a strong ETag and `Cache-Control: private, max-age=<cache TTL>`:
    every id is immutable. `If-None-Match` is answered 304 only after the caller's access was
    established for the object (from the cache or Synapse), exactly as a 200 would be.

    The most frequent request of all: the app's state is read once, and a read the
    in-process cache answers awaits nothing below this coroutine."""
    app = request.app
    settings = app[SETTINGS]
    object_id = _parsed(request.match_info["object_id"], settings.max_id_length)
    caller = app[CALLER_IDS].caller(bearer_token(request))
    rendered = await app[RESOLVER].rendered_object(
        caller, object_id, public_host(request, settings), expand=expand
    )
    if rendered.matches(request.headers.get(hdrs.IF_NONE_MATCH)):
        return web.Response(
            status=304, headers={"ETag": rendered.etag, "Cache-Control": app[CACHE_CONTROL]}
        )
    headers = {
        "Content-Type": "application/json",
        "ETag": rendered.etag,
        "Cache-Control": app[CACHE_CONTROL],
    }
    return web.Response(body=rendered.body, headers=headers)


async def get_object(request: web.Request) -> web.Response:
    # No query string (the usual request): no query to parse.
    expand = parse_expand(request.query.get("expand")) if request.query_string else False
    return await _object(request, expand)


async def post_object(request: web.Request) -> web.Response:
    body = await read_body(request, ObjectBody, optional=True)
    body.refuse_passports()
    return await _object(request, body.expand)


async def _access_url(request: web.Request) -> web.Response:
    object_id = _object_id(request)
    max_length = request.app[SETTINGS].max_id_length
    access_id = access_id_for(object_id, request.match_info["access_id"], max_length)
    access_url = await request.app[RESOLVER].access_url(request_caller(request), access_id)
    return access_url.to_response()


async def get_access_url(request: web.Request) -> web.Response:
    return await _access_url(request)


async def post_access_url(request: web.Request) -> web.Response:
    (await read_body(request, RequestBody, optional=True)).refuse_passports()
    return await _access_url(request)


def authorizations(object_id: ObjectId, settings: Settings) -> dict[str, object]:
    """How to authorize requests for an object: a Synapse bearer token (docs/behaviour.md §6)."""
    return {
        "drs_object_id": str(object_id),
        "supported_types": ["BearerAuth"],
        "bearer_auth_issuers": [f"{settings.synapse_url}/auth/v1"],
    }


async def options_object(request: web.Request) -> web.Response:
    return json_response(authorizations(_object_id(request), request.app[SETTINGS]))


async def options_bulk(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await read_body(request, BulkObjectsBody)
    check_length(len(body.bulk_object_ids), settings.max_bulk_request_length)
    outcome = Outcome()
    unique = parse_unique(body.bulk_object_ids, settings.max_id_length, outcome)
    outcome.resolved = [authorizations(object_id, settings) for object_id in unique]
    return json_response(outcome.body("resolved_drs_object"))


async def post_bulk_objects(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await read_body(request, BulkObjectsBody)
    body.refuse_passports()
    check_length(len(body.bulk_object_ids), settings.max_bulk_request_length)
    answer = await bulk_objects(
        request.app[RESOLVER],
        request_caller(request),
        body.bulk_object_ids,
        public_host(request, settings),
        settings.max_id_length,
    )
    return json_response(answer)


async def post_bulk_access(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await read_body(request, BulkAccessBody)
    body.refuse_passports()
    entries = body.bulk_object_access_ids
    check_length(access_request_length(entries), settings.max_bulk_request_length)
    caller = request_caller(request)
    answer = await bulk_access(request.app[RESOLVER], caller, entries, settings.max_id_length)
    return json_response(answer)


async def healthz(_request: web.Request) -> web.Response:
    """Liveness: the process answers."""
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: Synapse reachable when `ready_checks_synapse` asks for it. A shared cache
    that is down leaves the service ready but degraded (reads are served uncached): one Redis
    outage must not take every replica out of the Service. (aiohttp serves nothing before
    start-up is done.)"""
    settings = request.app[SETTINGS]
    resolver = request.app[RESOLVER]
    if settings.ready_checks_synapse and not await resolver.synapse_reachable(
        settings.ready_timeout_s
    ):
        raise ServiceUnavailable("Synapse is unreachable")
    if settings.cache_url and not await resolver.cache_reachable():
        return json_response({"status": "degraded", "cache": "down"})
    return json_response({"status": "ready"})


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/healthz", healthz)
    router.add_get("/readyz", readyz)
    router.add_get(f"{DRS_BASE}/service-info", service_info)
    router.add_get(f"{DRS_BASE}/openapi.yaml", openapi_document)
    # Fixed paths first: `/objects/access` must not be taken for an object called "access".
    router.add_post(f"{DRS_BASE}/objects/access", post_bulk_access)
    router.add_post(f"{DRS_BASE}/objects", post_bulk_objects)
    router.add_route("OPTIONS", f"{DRS_BASE}/objects", options_bulk)
    object_path = f"{DRS_BASE}/objects/{{object_id}}"
    router.add_get(object_path, get_object)
    router.add_post(object_path, post_object)
    router.add_route("OPTIONS", object_path, options_object)
    access_path = f"{object_path}/access/{{access_id}}"
    router.add_get(access_path, get_access_url)
    router.add_post(access_path, post_access_url)
