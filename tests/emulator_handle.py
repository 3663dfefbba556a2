"""A running Synapse emulator as tests see it: its URL, manifest, users, and its HTTP knobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, web
from pytest_aiohttp import AiohttpServer

from adapter.emulator import EmulatorConfig, create_emulator_app, emulator_manifest
from tests.log_scan import remember_tokens

ANONYMOUS = "anonymous"


@dataclass
class EmulatorHandle:
    """One emulator on 127.0.0.1; `stats`, `reset` and `faults` go over the real socket."""

    url: str
    manifest: dict[str, Any]
    app: web.Application
    session: ClientSession

    def token(self, user: str) -> str | None:
        """The bearer token of a manifest user; None for "anonymous"."""
        if user == ANONYMOUS:
            return None
        token: str = self.manifest["users"][user]["token"]
        return token

    def user_id(self, user: str) -> str:
        if user == ANONYMOUS:
            return str(self.manifest["anonymous"]["id"])
        return str(self.manifest["users"][user]["id"])

    def headers(self, user: str) -> dict[str, str]:
        token = self.token(user)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def obj(self, case: str) -> dict[str, Any]:
        """The first manifest object of a case (`private_file`, `dataset`, ...)."""
        return next(o for o in self.manifest["objects"] if o["case"] == case)

    @property
    def users(self) -> list[str]:
        """Every manifest user name, anonymous first."""
        return [ANONYMOUS, *self.manifest["users"]]

    async def stats(self) -> dict[str, Any]:
        async with self.session.get(f"{self.url}/_emulator/stats") as response:
            response.raise_for_status()
            body: dict[str, Any] = await response.json()
            return body

    async def reset(self) -> None:
        async with self.session.post(f"{self.url}/_emulator/reset") as response:
            response.raise_for_status()

    async def revoke(self, user: str) -> None:
        """Revoke a user's token: the emulator answers it 401 until `reset`."""
        async with self.session.post(
            f"{self.url}/_emulator/revoke", json={"user": user}
        ) as response:
            response.raise_for_status()

    async def faults(self, **knobs: Any) -> dict[str, Any]:
        """Set fault knobs (latency_ms, error_rate, maintenance, throttle, ...) at run time."""
        async with self.session.post(f"{self.url}/_emulator/faults", json=knobs) as response:
            response.raise_for_status()
            body: dict[str, Any] = await response.json()
            return body


async def start_emulator(
    serve: AiohttpServer, session: ClientSession, config: EmulatorConfig | None = None
) -> EmulatorHandle:
    """Serve a new emulator app with `serve` (pytest-aiohttp's `aiohttp_server`) on port 0."""
    app = create_emulator_app(config or EmulatorConfig())
    server = await serve(app, host="127.0.0.1")
    url = f"http://127.0.0.1:{server.port}"
    manifest = emulator_manifest(app, url)
    remember_tokens(manifest)
    return EmulatorHandle(url, manifest, app, session)
