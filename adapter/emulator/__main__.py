"""`python -m adapter.emulator`: serve the emulator, write its manifest, stop on SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import signal
from pathlib import Path

from aiohttp import web

from adapter.emulator import EmulatorConfig, create_emulator_app, emulator_manifest
from adapter.logs import configure_logging, get_logger

log = get_logger("adapter.emulator")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m adapter.emulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    p.add_argument("--seed", choices=["demo", "empty"], default="demo")
    p.add_argument("--files", type=int, default=0, help="add N generated public files")
    p.add_argument("--dataset-items", type=int, default=0, help="add a Dataset of N items")
    p.add_argument("--manifest", type=Path, help="write the manifest JSON here once listening")
    p.add_argument("--url-ttl", type=float, default=30.0, help="presigned URL lifetime, seconds")
    p.add_argument("--no-throttle", action="store_true", help="switch Synapse's throttle off")
    p.add_argument("--max-concurrent", type=int, default=3)
    p.add_argument("--max-requests", type=int, default=600)
    p.add_argument("--throttle-period", type=float, default=60.0)
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--jitter-ms", type=float, default=0.0)
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--error-status", type=int, default=503)
    p.add_argument("--reset-rate", type=float, default=0.0)
    p.add_argument("--malformed-rate", type=float, default=0.0)
    p.add_argument("--stall-ms", type=float, default=0.0)
    p.add_argument("--maintenance", action="store_true")
    p.add_argument("--fault-seed", type=int)
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--log-format", choices=["json", "console"], default="json")
    return p.parse_args(argv)


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        seed=args.seed,
        files=args.files,
        dataset_items=args.dataset_items,
        url_ttl_s=args.url_ttl,
        throttle=not args.no_throttle,
        max_concurrent=args.max_concurrent,
        max_requests=args.max_requests,
        throttle_period_s=args.throttle_period,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        error_rate=args.error_rate,
        error_status=args.error_status,
        reset_rate=args.reset_rate,
        malformed_rate=args.malformed_rate,
        stall_ms=args.stall_ms,
        maintenance=args.maintenance,
        fault_seed=args.fault_seed,
    )


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


async def serve(args: argparse.Namespace) -> None:
    config = config_from(args)
    app = create_emulator_app(config)
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
