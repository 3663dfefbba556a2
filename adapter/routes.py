"""HTTP handlers (thin: parse, call the resolver, serialise) and the route table."""

from __future__ import annotations

from aiohttp import web

from adapter.auth import bearer_token
from adapter.errors import BadRequest
from adapter.ids import access_id_for, parse_object_id
from adapter.keys import RESOLVER, SERVICE_INFO, SETTINGS

DRS_BASE = "/ga4gh/drs/v1"

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0", ""})


def parse_expand(value: str | None) -> bool:
    """`expand` accepts true/false in any case, and 1/0 (behaviour.md §4)."""
    if value is None:
        return False
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise BadRequest("Invalid value for expand: use true or false")


def public_host(request: web.Request) -> str:
    """The host in self_uri and drs_uri: the configured one, else the request's Host."""
    return request.app[SETTINGS].drs_hostname or request.host


async def service_info(request: web.Request) -> web.Response:
    return web.json_response(request.app[SERVICE_INFO])


async def get_object(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    object_id = parse_object_id(request.match_info["object_id"], settings.max_id_length)
    expand = parse_expand(request.query.get("expand"))
    token = bearer_token(request)
    drs_object = await request.app[RESOLVER].drs_object(
        token, object_id, public_host(request), expand=expand
    )
    return web.json_response(drs_object.to_json())


async def get_access_url(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    object_id = parse_object_id(request.match_info["object_id"], settings.max_id_length)
    access_id = access_id_for(object_id, request.match_info["access_id"], settings.max_id_length)
    token = bearer_token(request)
    access_url = await request.app[RESOLVER].access_url(token, access_id)
    return web.json_response(access_url.to_json())


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get(f"{DRS_BASE}/service-info", service_info)
    router.add_get(f"{DRS_BASE}/objects/{{object_id}}", get_object)
    router.add_get(f"{DRS_BASE}/objects/{{object_id}}/access/{{access_id}}", get_access_url)
