"""Shared fixtures: the Synapse emulator on a real loopback socket, and the service before it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpServer

from adapter.app import create_app
from adapter.emulator import EmulatorConfig
from adapter.settings import Settings
from tests.drs_client import Drs, DrsFactory
from tests.emulator_handle import EmulatorHandle, start_emulator

EmulatorFactory = Callable[..., Awaitable[EmulatorHandle]]


@pytest.fixture
async def emulator_factory(aiohttp_server: AiohttpServer) -> AsyncIterator[EmulatorFactory]:
    """Start emulators with a given EmulatorConfig, or its fields: `await factory(files=10)`."""
    async with ClientSession() as session:

        async def start(config: EmulatorConfig | None = None, **fields: Any) -> EmulatorHandle:
            return await start_emulator(aiohttp_server, session, config or EmulatorConfig(**fields))

        yield start


@pytest.fixture
async def emulator(emulator_factory: EmulatorFactory) -> EmulatorHandle:
    """The demo-seeded emulator with default settings (throttle on, 30 s URLs)."""
    return await emulator_factory()


@pytest.fixture
async def drs_factory(
    emulator: EmulatorHandle,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> DrsFactory:
    """Start the service (with optional extra settings) in front of the emulator."""

    async def start(**overrides: Any) -> Drs:
        settings = Settings(synapse_url=emulator.url, **overrides)
        client = await aiohttp_client(create_app(settings))
        return Drs(client, emulator)

    return start


@pytest.fixture
async def drs(drs_factory: DrsFactory) -> Drs:
    return await drs_factory()
