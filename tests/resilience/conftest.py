"""Fixtures for resilience and cache tests: service instances, and a real Redis server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from adapter.app import create_app
from adapter.settings import Settings
from tests.drs_client import Drs
from tests.emulator_handle import EmulatorHandle
from tests.redis_server import RedisServer

ServiceFactory = Callable[..., Awaitable[Drs]]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer.start(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def service_factory(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> ServiceFactory:
    """Start one more service instance in front of a given emulator, with extra settings."""

    async def start(emulator: EmulatorHandle, **overrides: Any) -> Drs:
        settings = Settings(synapse_url=emulator.url, **overrides)
        return Drs(await aiohttp_client(create_app(settings)), emulator)

    return start
