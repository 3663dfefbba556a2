"""The floor: a bare aiohttp app answering a fixed DrsObject body (the framework's own limit)."""

from __future__ import annotations

import argparse
import json

from aiohttp import web

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
        "access_methods": [{"type": "https", "access_id": "FileEntity_syn1000004.1_100000002"}],
        "description": "a private file",
    }
).encode()


async def handle(_request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application()
    app.router.add_get("/ga4gh/drs/v1/objects/{object_id}", handle)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
