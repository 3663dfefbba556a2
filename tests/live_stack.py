"""The emulator and the service on loopback, served by an event loop in a background thread.

For tests that drive the service from synchronous code (hypothesis, schemathesis).
"""

from __future__ import annotations

import asyncio
import http.client
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web

from adapter.app import create_app
from adapter.emulator import EmulatorConfig, create_emulator_app, emulator_manifest
from adapter.settings import Settings
from tests.log_scan import remember_tokens


class LiveStack:
    """The emulator and the service on loopback, served by a loop in a background thread."""

    def __init__(self, port: int, manifest: dict[str, Any]) -> None:
        self.port = port
        self.manifest = manifest

    def __repr__(self) -> str:
        return f"LiveStack(port={self.port})"

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def live_stack() -> Iterator[LiveStack]:
    loop = asyncio.new_event_loop()
    runners: list[web.AppRunner] = []

    async def start() -> LiveStack:
        emulator = create_emulator_app(EmulatorConfig(throttle=False))
        emulator_port = await _serve(emulator)
        base = f"http://127.0.0.1:{emulator_port}"
        service_port = await _serve(create_app(Settings(synapse_url=base)))
        manifest = emulator_manifest(emulator, base)
        remember_tokens(manifest)
        return LiveStack(service_port, manifest)

    async def _serve(app: web.Application) -> int:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port: int = runner.addresses[0][1]
        return port

    async def stop() -> None:
        for runner in reversed(runners):
            await runner.cleanup()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
