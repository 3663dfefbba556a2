"""A faulty or hostile upstream: oversized answers, impossible sizes, redirects elsewhere, and
a Synapse that cannot be reached (issue: hostile clients, a faulty network).

The upstream here is a small aiohttp server of the test's own that answers as a broken Synapse
would; it stands in for an outside system, like the emulator does, and is driven over sockets.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpServer

from adapter import DRS_BASE
from adapter.app import create_app
from adapter.settings import Settings
from tests.log_scan import CapturingStream
from tests.ports import free_port

CREATED = "2024-01-01T00:00:00.000Z"
MIB = 1024 * 1024


def _bundle(content_size: object) -> bytes:
    return json.dumps(
        {
            "entity": {
                "name": "f",
                "concreteType": "org.sagebionetworks.repo.model.FileEntity",
                "createdOn": CREATED,
                "dataFileHandleId": "7",
            },
            "fileHandles": [
                {
                    "id": "7",
                    "fileName": "f",
                    "createdOn": CREATED,
                    "contentMd5": "0" * 32,
                    "contentSize": content_size,
                }
            ],
        }
    ).encode()


class Upstream:
    """A broken Synapse: what syn<N> answers depends on N; counts what the other origin saw."""

    def __init__(self) -> None:
        self.elsewhere_hits = 0
        self.elsewhere_url = ""
        self.streamed_mib = 0

    async def bundle(self, request: web.Request) -> web.StreamResponse:
        entity = request.match_info["id"]
        if entity == "syn1":  # 200 MiB of JSON-looking bytes, streamed without a length
            response = web.StreamResponse()
            await response.prepare(request)
            await response.write(b'{"entity": "')
            chunk = b"x" * MIB
            try:
                for _ in range(200):
                    await response.write(chunk)
                    self.streamed_mib += 1
                await response.write(b'"}')
            except ConnectionError:
                pass  # the reader hung up: what the test wants to see
            return response
        if entity == "syn2":
            return web.Response(body=_bundle(2**64 + 1), content_type="application/json")
        if entity == "syn3":
            return web.Response(body=_bundle(-5), content_type="application/json")
        if entity == "syn5":  # too large, and says so in its Content-Length
            return web.Response(body=b"x" * (17 * MIB), content_type="application/json")
        if entity == "syn4":
            raise web.HTTPTemporaryRedirect(self.elsewhere_url)
        return web.Response(body=_bundle(10), content_type="application/json")

    async def elsewhere(self, request: web.Request) -> web.Response:
        self.elsewhere_hits += 1
        return web.Response(body=_bundle(10), content_type="application/json")


DrsClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def broken(
    aiohttp_server: AiohttpServer, aiohttp_client: DrsClientFactory
) -> tuple[Upstream, TestClient[Any, Any]]:
    upstream = Upstream()
    app = web.Application()
    app.router.add_post("/repo/v1/entity/{id}/version/{version}/bundle2", upstream.bundle)
    other = web.Application()
    other.router.add_route("*", "/{tail:.*}", upstream.elsewhere)
    synapse = await aiohttp_server(app)
    elsewhere = await aiohttp_server(other, host="127.0.0.1")
    upstream.elsewhere_url = str(elsewhere.make_url("/repo/v1/stolen"))
    settings = Settings(synapse_url=str(synapse.make_url("")), retry_budget_s=3)
    return upstream, await aiohttp_client(create_app(settings))


async def _get(client: TestClient[Any, Any], object_id: str) -> tuple[int, dict[str, Any]]:
    async with client.get(
        f"{DRS_BASE}/objects/{object_id}", headers={"Authorization": "Bearer t0ken-for-upstream"}
    ) as answer:
        return answer.status, await answer.json()


async def test_an_oversized_answer_is_refused_without_filling_memory(
    broken: tuple[Upstream, TestClient[Any, Any]],
) -> None:
    upstream, client = broken
    status, body = await _get(client, "syn1.1")
    assert status == 502
    assert body["msg"] == "Synapse sent an answer larger than 16777216 bytes"
    await asyncio.sleep(0.2)
    # The service stopped reading at its cap: the upstream could not write the rest (what
    # it wrote past 16 MiB sat in socket buffers, never in this process's memory).
    assert upstream.streamed_mib < 40, f"{upstream.streamed_mib} MiB were read"


async def test_an_answer_declared_too_large_is_refused_before_reading(
    broken: tuple[Upstream, TestClient[Any, Any]],
) -> None:
    status, body = await _get(broken[1], "syn5.1")
    assert status == 502
    assert body["msg"] == "Synapse sent an answer larger than 16777216 bytes"


@pytest.mark.parametrize(
    ("object_id", "detail"),
    [("syn2.1", "less than 9223372036854775808"), ("syn3.1", "greater than or equal to 0")],
)
async def test_an_impossible_size_is_a_clear_502(
    broken: tuple[Upstream, TestClient[Any, Any]], object_id: str, detail: str
) -> None:
    status, body = await _get(broken[1], object_id)
    assert status == 502
    assert body["msg"].startswith("Synapse sent a malformed answer: fileHandles.0.contentSize")
    assert detail in body["msg"]


async def test_a_redirect_to_another_origin_is_not_followed(
    broken: tuple[Upstream, TestClient[Any, Any]],
) -> None:
    upstream, client = broken
    status, body = await _get(client, "syn4.1")
    assert status == 502
    assert body["msg"] == "Synapse answered with an unexpected status 307"
    assert upstream.elsewhere_hits == 0


async def test_an_unreachable_synapse_is_a_quick_503_with_retry_after(
    aiohttp_client: DrsClientFactory, logs_never_carry_a_token: CapturingStream
) -> None:
    closed = free_port()  # nothing listens there
    settings = Settings(synapse_url=f"http://127.0.0.1:{closed}")
    client = await aiohttp_client(create_app(settings))
    before = len(logs_never_carry_a_token.lines)
    started = time.monotonic()
    async with client.get(f"{DRS_BASE}/objects/syn1.1") as answer:
        assert answer.status == 503
        assert answer.headers["Retry-After"] == "5"
        assert (await answer.json())["msg"] == "Synapse is unreachable: try again later"
        request_id = answer.headers["X-Request-ID"]
    assert time.monotonic() - started < 2  # well within the 10 s budget
    lines = [
        json.loads(line) for line in logs_never_carry_a_token.lines[before:] if request_id in line
    ]
    loud = [line for line in lines if line["level"] != "debug"]
    assert [line["event"] for line in loud] == ["synapse_gave_up"]
