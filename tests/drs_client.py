"""A DRS client for tests: the real app over a real socket, every answer schema-checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer
from multidict import CIMultiDictProxy
from yarl import URL

from adapter import DRS_BASE
from adapter.keys import METRICS
from adapter.metrics_server import METRICS_PATH, create_metrics_app
from tests.drs_schema import validate_component, validate_drs_response
from tests.emulator_handle import EmulatorHandle

DRS = DRS_BASE  # the routes' prefix, as tests write it


@dataclass
class Answer:
    """One real HTTP answer from the service, already checked against the DRS schema."""

    status: int
    body: Any
    headers: CIMultiDictProxy[str]
    raw: bytes = field(repr=False)


@dataclass
class Drs:
    """Talks to the service the way a DRS client does, and validates every answer."""

    client: TestClient[Any, Any]
    emulator: EmulatorHandle

    def auth(self, user: str | None) -> dict[str, str]:
        token = self.emulator.token(user) if user is not None else None
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def request(
        self,
        method: str,
        path: str,
        pattern: str | None,
        *,
        user: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        body: bytes | None = None,
        json_body: Any = None,
    ) -> Answer:
        """Send a request (path already percent-encoded) and validate the answer."""
        sent = {**self.auth(user), **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        url = self.client.make_url(URL(path, encoded=True))
        if query:
            url = url.update_query(query)
        async with self.client.session.request(method, url, headers=sent, data=body) as response:
            raw = await response.read()
            status, got_headers = response.status, response.headers
        if status == 204:
            return Answer(status, None, got_headers, raw)
        assert got_headers["Content-Type"].startswith("application/json"), raw[:200]
        if pattern is not None:
            validate_drs_response(
                method,
                path.split("?")[0],
                pattern,
                status,
                raw,
                query=query,
                request_body=body,
            )
        elif status >= 400:  # outside the DRS operations an error is still a DRS Error
            validate_component("Error", json.loads(raw))
            assert json.loads(raw)["status_code"] == status
        return Answer(status, json.loads(raw), got_headers, raw)

    async def scrape(self) -> tuple[int, str, str]:
        """GET /metrics as Prometheus asks it: from the metrics app, served on a loopback port
        of its own over the service's registry (the public app has no /metrics).
        Returns the status, the Content-Type and the exposition text."""
        app = self.client.app
        assert app is not None
        async with (
            TestServer(create_metrics_app(app[METRICS])) as server,
            ClientSession() as session,
            session.get(server.make_url(METRICS_PATH)) as response,
        ):
            return response.status, response.headers["Content-Type"], await response.text()

    async def object(
        self, object_id: str, *, user: str | None = None, expand: str | None = None, **kw: Any
    ) -> Answer:
        query = {"expand": expand} if expand is not None else None
        return await self.request(
            "GET",
            f"{DRS}/objects/{quote(object_id, safe='')}",
            "/objects/{object_id}",
            user=user,
            query=query,
            **kw,
        )

    async def bulk_objects(self, ids: Any, *, user: str | None = None, **kw: Any) -> Answer:
        return await self.request(
            "POST",
            f"{DRS}/objects",
            "/objects",
            user=user,
            json_body={"bulk_object_ids": ids},
            **kw,
        )

    async def bulk_access(
        self, pairs: list[tuple[str, list[str]]], *, user: str | None = None, **kw: Any
    ) -> Answer:
        body = {
            "bulk_object_access_ids": [
                {"bulk_object_id": obj, "bulk_access_ids": access} for obj, access in pairs
            ]
        }
        return await self.request(
            "POST", f"{DRS}/objects/access", "/objects/access", user=user, json_body=body, **kw
        )

    async def access(
        self, object_id: str, access_id: str, *, user: str | None = None, **kw: Any
    ) -> Answer:
        return await self.request(
            "GET",
            f"{DRS}/objects/{quote(object_id, safe='')}/access/{quote(access_id, safe='')}",
            "/objects/{object_id}/access/{access_id}",
            user=user,
            **kw,
        )


DrsFactory = Callable[..., Awaitable[Drs]]


async def download(url: str) -> bytes:
    """Fetch a presigned URL the way a DRS client would: a plain GET, no credentials."""
    async with ClientSession() as session, session.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.read()


def md5_of(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
