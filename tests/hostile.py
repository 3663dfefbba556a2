"""The service as deployed (DrsAppRunner, our access logger) on a real socket, and a raw
socket client that sends bytes exactly as written: what HTTP libraries would sanitise."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from adapter.app import create_app
from adapter.keys import METRICS
from adapter.metrics_server import create_metrics_app
from adapter.server import deployed_runner
from adapter.settings import Settings
from tests.emulator_handle import EmulatorHandle


@dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Deployed:
    """The service, served as `python -m adapter` serves it, in front of an emulator."""

    port: int
    emulator: EmulatorHandle
    metrics_port: int

    async def send(self, raw: bytes, *, timeout_s: float = 15.0) -> RawAnswer:
        """Send `raw` as it is, read the answer until the server closes or it is complete."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(raw)
            await writer.drain()
            async with asyncio.timeout(timeout_s):
                return await read_answer(reader)
        finally:
            writer.close()

    async def scrape(self) -> str:
        """The metrics exposition, from the metrics port."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.metrics_port)
        try:
            writer.write(request("GET", "/metrics"))
            await writer.drain()
            return (await read_answer(reader)).body.decode()
        finally:
            writer.close()

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


async def read_answer(reader: asyncio.StreamReader) -> RawAnswer:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return RawAnswer(status, headers, body)


def request(
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    raw_headers: bytes = b"",
) -> bytes:
    """An HTTP/1.1 request as bytes; `raw_headers` are appended exactly as given."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n").encode() + raw_headers + b"\r\n" + body


DeployedFactory = Callable[..., Awaitable[Deployed]]


async def deployed_factory(emulator: EmulatorHandle) -> AsyncIterator[DeployedFactory]:
    runners: list[web.AppRunner] = []

    async def start(**overrides: Any) -> Deployed:
        settings = Settings(synapse_url=emulator.url, **overrides)
        app = create_app(settings)
        runner = deployed_runner(app, shutdown_timeout_s=1)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        metrics = web.AppRunner(create_metrics_app(app[METRICS]), access_log=None)
        await metrics.setup()
        runners.append(metrics)
        await web.TCPSite(metrics, "127.0.0.1", 0).start()
        return Deployed(runner.addresses[0][1], emulator, metrics.addresses[0][1])

    yield start
    for runner in runners:
        await runner.cleanup()
