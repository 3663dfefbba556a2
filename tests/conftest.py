"""Shared fixtures: the Synapse emulator on a real loopback socket, and the service before it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TextIO, cast

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpServer

from adapter.app import create_app
from adapter.emulator import EmulatorConfig
from adapter.logs import configure_logging
from adapter.settings import Settings
from tests.drs_client import Drs, DrsFactory
from tests.emulator_handle import EmulatorHandle, start_emulator
from tests.live_stack import live_stack  # noqa: F401 - a shared fixture, offered here
from tests.log_scan import ISSUED_TOKENS, CapturingStream

EmulatorFactory = Callable[..., Awaitable[EmulatorHandle]]


@pytest.fixture(scope="session", autouse=True)
def logs_never_carry_a_token() -> Iterator[CapturingStream]:
    """All the suite's log lines, through the service's own logging set-up, hold no token."""
    capture = CapturingStream()
    configure_logging("DEBUG", "json", stream=cast(TextIO, capture))
    yield capture
    assert capture.lines, "the capture saw no log line at all"
    leaked = sum(1 for line in capture.lines for token in ISSUED_TOKENS if token in line)
    assert leaked == 0, f"{leaked} log lines carry a bearer token"


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
