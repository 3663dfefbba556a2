"""The floors: bare aiohttp apps, the framework's own limits, measured like the service.

- `--port P`: answers a fixed DrsObject body (the limit for a cached read).
- `--port P --upstream URL`: forwards each `GET /objects/syn<id>.<version>` to Synapse's
  bundle2 at URL with the caller's Authorization and answers Synapse's body as it came: one
  aiohttp server hop plus one aiohttp client call, nothing else (the limit for an uncached read).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from adapter import DRS_BASE

BODY = json.dumps(
    {
        "id": "syn1000004.1",
        "name": "private.txt",
        "self_uri": "drs://127.0.0.1/syn1000004.1",
        "size": 4096,
        "created_time": "2024-01-01T00:00:00.000Z",
        "updated_time": "2024-01-02T00:00:00.000Z",
        "version": "1",
        "mime_type": "text/plain",
        "checksums": [{"checksum": "8ddd8be4b179a529afa5f2ffae4b9858", "type": "md5"}],
        "access_methods": [
            {"type": "https", "access_id": "FileEntity_syn1000004.1_100000002", "available": True}
        ],
        "description": "a private file",
    }
).encode()
BUNDLE_REQUEST = (
    b'{"includeEntity": true, "includeFileHandles": true, "includeRestrictionInformation": true}'
)
SESSION = web.AppKey("session", aiohttp.ClientSession)
UPSTREAM = web.AppKey("upstream", str)


async def fixed(_request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


async def forward(request: web.Request) -> web.Response:
    entity, _, version = request.match_info["object_id"].partition(".")
    url = f"{request.app[UPSTREAM]}/repo/v1/entity/{entity}/version/{version}/bundle2"
    headers = {"Content-Type": "application/json"}
    if "Authorization" in request.headers:
        headers["Authorization"] = request.headers["Authorization"]
    async with request.app[SESSION].post(url, data=BUNDLE_REQUEST, headers=headers) as answer:
        body = await answer.read()
        return web.Response(body=body, status=answer.status, content_type="application/json")


async def _session(app: web.Application) -> AsyncIterator[None]:
    # No cookie jar, as the service has none: a proxy forwarding many callers' tokens must not
    # hand one caller's Synapse session cookie to the next (and Synapse then sets a new one on
    # every answer, for the proxy as for the service).
    app[SESSION] = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    yield
    await app[SESSION].close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", help="forward to this Synapse (emulator) URL")
    args = parser.parse_args()
    app = web.Application()
    route = f"{DRS_BASE}/objects/{{object_id}}"
    if args.upstream:
        app[UPSTREAM] = args.upstream.rstrip("/")
        app.cleanup_ctx.append(_session)
        app.router.add_get(route, forward)
    else:
        app.router.add_get(route, fixed)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
