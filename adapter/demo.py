"""`make demo`: the service in front of the bundled Synapse emulator, on loopback, with a guide."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from adapter import DRS_BASE as DRS
from adapter.app import create_app
from adapter.emulator import EmulatorConfig, create_emulator_app, emulator_manifest
from adapter.logs import configure_logging
from adapter.server import deployed_runner
from adapter.settings import Settings

METADATA_USER = "service"

# What each exported token is, in the emulator's catalogue.
ROLES = {
    "alice": "owns every entity (a curator uploaded the files): reads and downloads them",
    "bob": "may read the private file but not download it (its URL gets 403)",
    "carol": "a token without the download scope: objects yes, URLs no",
    "dave": "may read and download the private file; uploaded creator_download",
    METADATA_USER: "view scope only; the service's metadata credential\n"
    f"{'':12}(ADAPTER_SYNAPSE_METADATA_TOKEN): anonymous callers see size and md5",
}


def guide(service_url: str, manifest: dict[str, Any], manifest_path: Path) -> str:
    """The text printed once both servers listen: ids, tokens and commands to paste."""
    objects = {o["case"]: o for o in manifest["objects"]}
    users = manifest["users"]
    blob, bundle, public = objects["private_file"], objects["dataset"], objects["public_file"]
    base = f"{service_url}{DRS}"
    auth = '-H "Authorization: Bearer $ALICE"'
    access = f"{base}/objects/{blob['drs_id']}/access/{blob['access_id']}"
    url_of = """python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])'"""
    exports = " ".join(f"{name.upper()}='{info['token']}'" for name, info in users.items())
    lines = [
        "",
        f"DRS service:      {base}",
        f"Synapse emulator: {manifest['synapse_url']}  (manifest: {manifest_path})",
        "",
        "Tokens: Synapse personal access tokens of the emulator's users. Anonymous may",
        "download open data. Paste this line to have them in your shell:",
        "",
        f"export {exports}",
        "",
        *(f"  ${name.upper():<8} {ROLES.get(name, '')}" for name in users),
        "",
        "Objects (drs id, case):",
        *(f"  {o['drs_id']:<16} {o['case']}" for o in manifest["objects"]),
        "",
        "Try:",
        f"  curl -s {base}/service-info",
        f"  curl -s {base}/objects/{public['drs_id']}     # anonymous, a public file: size, md5",
        f"  curl -s {auth} {base}/objects/{blob['drs_id']}     # a blob",
        f"  curl -s {auth} {base}/objects/{bundle['drs_id']}     # a bundle",
        f"  curl -s {auth} {access}     # its URL",
        f'  curl -s "$(curl -s {auth} {access} | {url_of})" | md5sum     # {blob["md5"]}',
        f'  curl -s -H "Authorization: Bearer $BOB" {access}     # 403, in Synapse\'s words',
        "",
        "Ctrl-C stops both.",
        "",
    ]
    return "\n".join(lines)


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2))


async def _serve(runner: web.AppRunner, host: str, port: int) -> tuple[web.AppRunner, int]:
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound: int = runner.addresses[0][1]
    return runner, bound


async def run_demo(settings: Settings, manifest_path: Path) -> None:
    emulator = create_emulator_app(EmulatorConfig())
    emulator_runner, emulator_port = await _serve(
        web.AppRunner(emulator, access_log=None, shutdown_timeout=2), "127.0.0.1", 0
    )
    synapse_url = f"http://127.0.0.1:{emulator_port}"
    manifest = emulator_manifest(emulator, synapse_url)
    metadata_token = SecretStr(manifest["users"][METADATA_USER]["token"])
    service = create_app(
        settings.model_copy(
            update={"synapse_url": synapse_url, "synapse_metadata_token": metadata_token}
        )
    )
    # The service as `python -m adapter` serves it.
    service_runner, service_port = await _serve(
        deployed_runner(service, shutdown_timeout_s=2), "127.0.0.1", settings.port
    )
    await asyncio.to_thread(_write_manifest, manifest_path, manifest)
    sys.stdout.write(guide(f"http://127.0.0.1:{service_port}", manifest, manifest_path))
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await service_runner.cleanup()
        await emulator_runner.cleanup()


def main() -> None:
    settings = Settings(log_format="console", log_level="WARNING")
    configure_logging(settings.log_level, settings.log_format)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(settings, Path(".demo") / "manifest.json"))
    sys.stdout.write("demo stopped\n")


if __name__ == "__main__":
    main()
