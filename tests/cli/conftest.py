"""The stack the command line is tested against: the emulator and the service on loopback,
and `python -m adapter.cli` run as a real child process against them."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpServer

from adapter.app import create_app
from adapter.settings import Settings
from tests.conftest import EmulatorFactory
from tests.emulator_handle import EmulatorHandle

CLI = [sys.executable, "-m", "adapter.cli"]
RUN_TIMEOUT_S = 120


@dataclass
class Run:
    """One finished run of the command: exit status and what it printed."""

    status: int
    stdout: str
    stderr: str


@dataclass
class CliStack:
    """An emulator, the service in front of it, and a way to run the command at them."""

    emulator: EmulatorHandle
    server: str  # the service's base URL, for --server
    home: Path  # HOME for every run: no ~/.synapseConfig unless a test writes one
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    def env_for(self, user: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "SYNAPSE_AUTH_TOKEN"}
        env.update(HOME=str(self.home), COLUMNS="160", PYTHONUNBUFFERED="1", **self.env)
        token = self.emulator.token(user) if user is not None else None
        if token:
            env["SYNAPSE_AUTH_TOKEN"] = token
        env.update(extra or {})
        return env

    def argv(self, *args: str, server: bool = True) -> list[str]:
        command, *rest = args
        return [*CLI, command, *(["--server", self.server] if server else []), *rest]

    async def run(
        self,
        *args: str,
        user: str | None = "alice",
        server: bool = True,
        stdin: bytes | None = None,
        env: dict[str, str] | None = None,
    ) -> Run:
        """`synapse-drs ARGS` as `user` (None: no token), in `workdir`, to completion."""
        process = await asyncio.create_subprocess_exec(
            *self.argv(*args, server=server),
            cwd=self.workdir,
            env=self.env_for(user, env),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(stdin), RUN_TIMEOUT_S)
        assert process.returncode is not None
        return Run(process.returncode, out.decode(), err.decode())

    def obj(self, case: str) -> dict[str, Any]:
        return self.emulator.obj(case)

    async def calls(self) -> dict[str, int]:
        """Synapse calls by route since the last reset, as the emulator counted them."""
        by_route: dict[str, int] = (await self.emulator.stats())["by_route"]
        return {route: n for route, n in by_route.items() if n}


CliStackFactory = Callable[..., Awaitable[CliStack]]


@pytest.fixture
async def cli_stack_factory(
    emulator_factory: EmulatorFactory, aiohttp_server: AiohttpServer, tmp_path: Path
) -> CliStackFactory:
    """Start an emulator with the given EmulatorConfig fields and the service before it."""

    async def start(**config: Any) -> CliStack:
        emulator = await emulator_factory(**config)
        service = await aiohttp_server(
            create_app(Settings(synapse_url=emulator.url)), host="127.0.0.1"
        )
        home = tmp_path / "home"
        workdir = tmp_path / "work"
        home.mkdir(exist_ok=True)
        workdir.mkdir(exist_ok=True)
        return CliStack(emulator, f"http://127.0.0.1:{service.port}", home, workdir)

    return start


@pytest.fixture
async def cli_stack(cli_stack_factory: CliStackFactory) -> CliStack:
    """The demo catalogue, Synapse's throttle on, 30 s URLs."""
    return await cli_stack_factory()
