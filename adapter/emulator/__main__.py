"""`python -m adapter.emulator`: serve the emulator, write its manifest, stop on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import signal
import sys
from pathlib import Path
from typing import Literal

from aiohttp import web
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, CliApp, PydanticBaseSettingsSource, SettingsConfigDict

from adapter.emulator import EmulatorConfig, create_emulator_app, emulator_manifest
from adapter.logs import configure_logging, get_logger

log = get_logger("adapter.emulator")


class EmulatorCommand(BaseSettings, EmulatorConfig):
    """Serve the Synapse emulator on loopback and write its manifest once it listens.

    The flags are the fields of EmulatorConfig (catalogue, URL lifetime, throttle, faults)
    plus where to listen and log: pydantic-settings builds the parser from the model, so a
    knob is declared once. `--url-ttl` and `--throttle-period` are kept as short spellings
    of `--url-ttl-s` and `--throttle-period-s`; booleans are flags (`--no-throttle`,
    `--maintenance`). Only the command line is read: no environment variables, no files.
    """

    model_config = SettingsConfigDict(
        cli_prog_name="python -m adapter.emulator",
        cli_kebab_case=True,
        cli_implicit_flags="toggle",
        cli_shortcuts={"url-ttl-s": "url-ttl", "throttle-period-s": "throttle-period"},
        extra="forbid",
        frozen=True,
    )

    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8081, ge=0, le=65535, description="0 picks a free port")
    manifest: Path | None = Field(None, description="write the manifest JSON here once listening")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments only (CliApp adds the command line in front of these)."""
        return (init_settings,)

    def config(self) -> EmulatorConfig:
        """The emulator's own settings, without where to listen and log."""
        return EmulatorConfig.model_validate(
            self.model_dump(include=set(EmulatorConfig.model_fields))
        )


def parse_args(argv: list[str] | None = None) -> EmulatorCommand:
    """The command line (`sys.argv` when None); a bad value exits 2 with the reason."""
    try:
        return CliApp.run(EmulatorCommand, cli_args=sys.argv[1:] if argv is None else argv)
    except ValidationError as exc:
        sys.stderr.write(f"python -m adapter.emulator: {exc}\n")
        raise SystemExit(2) from None


def base_url(host: str, port: int) -> str:
    """A URL clients can use: a wildcard bind address is reached through loopback."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - reading the bind address, not choosing it
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:  # a host name
        pass
    return f"http://{host}:{port}"


def write_manifest(path: Path, manifest: dict[str, object]) -> None:
    """Write atomically, so a reader polling for the file never sees half of it."""
    partial = path.with_name(f".{path.name}.partial")
    objects = manifest.get("objects")
    small = isinstance(objects, list) and len(objects) <= 1000
    partial.write_text(json.dumps(manifest, indent=1 if small else None))
    os.replace(partial, path)


async def serve(args: EmulatorCommand) -> None:
    app = create_emulator_app(args.config())
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        site = web.TCPSite(runner, args.host, args.port)
        await site.start()
        port = runner.addresses[0][1]
        url = base_url(args.host, port)
        manifest = emulator_manifest(app, url)
        if args.manifest is not None:
            write_manifest(args.manifest, manifest)
        log.info(
            "emulator_listening",
            url=url,
            manifest=str(args.manifest) if args.manifest else None,
            objects=len(manifest["objects"]),
            users=sorted(manifest["users"]),
        )
        await stop.wait()
        log.info("emulator_stopping")
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure_logging(args.log_level, args.log_format)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
