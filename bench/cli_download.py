"""`python -m bench.cli_download`: what `synapse-drs get` costs, against curl and at scale.

Two figures, each from real processes on loopback (the emulator, the service, the command):

- One large file (256 MiB): `synapse-drs get` end to end (start-up, resolve, sign, download,
  md5, rename) against `curl -o` on a presigned URL of the same object from the same
  storage, alternating, median of the rounds. Target: the command at >= 0.9 x curl's
  throughput. Also shown: the command's fixed cost (a one-byte-scale file end to end), and
  its throughput net of that cost.
- 1,000 small files from one manifest: wall time, files per second, and the Synapse calls
  the emulator counted (signing: `fileHandle/batch`, 100 a call; resolving: `bundle2`).

Prints the figures and writes `bench/results/cli-latest.json`. The emulator's throttle is off
(1,000 objects resolve in well under Synapse's 600-a-minute budget here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web

from bench import procs

RESULTS = Path(__file__).resolve().parent / "results" / "cli-latest.json"
LARGE_MIB = 256
SMALL_FILES = 1000
ROUNDS = 3
TARGET = 0.9
BATCH = "POST /file/v1/fileHandle/batch"
BUNDLE = "POST /repo/v1/entity/{id}/version/{version}/bundle2"


def machine() -> dict[str, Any]:
    """Where the figures were taken, as the other benchmark rows say it."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def serve_emulator(port: int, manifest: Path, large_mib: int, files: int) -> None:
    """The emulator with one large file and `files` small ones (run as a child process)."""
    from adapter.emulator import EmulatorConfig, create_emulator_app, emulator_manifest

    async def serve() -> None:
        config = EmulatorConfig(seed="empty", files=files, large_file_mib=large_mib, throttle=False)
        app = create_emulator_app(config)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        partial = manifest.with_suffix(".partial")
        partial.write_text(json.dumps(emulator_manifest(app, f"http://127.0.0.1:{port}")))
        os.replace(partial, manifest)
        await asyncio.Event().wait()

    asyncio.run(serve())


def start_emulator(workdir: Path) -> tuple[procs.Child, dict[str, Any]]:
    port = procs.free_port()
    manifest = workdir / "manifest.json"
    child = procs.start(
        ["-m", "bench.cli_download", "--serve-emulator", str(port), str(manifest)], port
    )
    deadline = time.monotonic() + 120
    while not manifest.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return child, json.loads(manifest.read_text())


def run_cli(service: str, token: str, args: list[str], cwd: Path) -> float:
    """`python -m adapter.cli get ...`; its wall time in seconds (it must succeed)."""
    env = {**os.environ, "SYNAPSE_AUTH_TOKEN": token}
    started = time.perf_counter()
    answer = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "adapter.cli", "get", "--server", service, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if answer.returncode != 0:
        raise RuntimeError(f"synapse-drs failed:\n{answer.stdout[-3000:]}\n{answer.stderr}")
    return elapsed


async def presign(service: str, token: str, obj: dict[str, Any]) -> str:
    url = f"{service}/ga4gh/drs/v1/objects/{obj['drs_id']}/access/{obj['access_id']}"
    async with (
        ClientSession() as session,
        session.get(url, headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        response.raise_for_status()
        body: dict[str, Any] = await response.json()
        return str(body["url"])


def run_curl(curl: str, url: str, dest: Path) -> float:
    started = time.perf_counter()
    subprocess.run([curl, "-s", "-f", "-o", str(dest), url], check=True)  # noqa: S603
    return time.perf_counter() - started


async def emulator_call(emulator: str, action: str) -> dict[str, Any]:
    async with ClientSession() as session:
        method = session.get if action == "stats" else session.post
        async with method(f"{emulator}/_emulator/{action}") as response:
            body: dict[str, Any] = await response.json()
            return body


def large_file(
    curl: str, service: str, token: str, manifest: dict[str, Any], workdir: Path
) -> dict[str, Any]:
    large = next(o for o in manifest["objects"] if o["case"] == "large_file")
    tiny = next(o for o in manifest["objects"] if o["case"] == "generated_file")
    size = int(large["size"])
    curl_s: list[float] = []
    cli_s: list[float] = []
    fixed_s: list[float] = []
    for _ in range(ROUNDS):
        url = asyncio.run(presign(service, token, large))
        target = workdir / "curl.bin"
        curl_s.append(run_curl(curl, url, target))
        target.unlink()
        out = workdir / "cli"
        cli_s.append(run_cli(service, token, [large["drs_id"], "-o", str(out)], workdir))
        shutil.rmtree(out)
        fixed_s.append(run_cli(service, token, [tiny["drs_id"], "-o", str(out)], workdir))
        shutil.rmtree(out)
    mb = size / 1e6
    curl_rate = mb / statistics.median(curl_s)
    cli_rate = mb / statistics.median(cli_s)
    fixed = statistics.median(fixed_s)
    net = mb / max(statistics.median(cli_s) - fixed, 1e-9)
    return {
        "bytes": size,
        "rounds": ROUNDS,
        "curl_s": [round(s, 3) for s in curl_s],
        "cli_s": [round(s, 3) for s in cli_s],
        "cli_fixed_cost_s": [round(s, 3) for s in fixed_s],
        "curl_mb_per_s": round(curl_rate, 1),
        "cli_mb_per_s": round(cli_rate, 1),
        "cli_net_mb_per_s": round(net, 1),
        "ratio": round(cli_rate / curl_rate, 3),
        "ratio_net_of_fixed_cost": round(net / curl_rate, 3),
        "target": TARGET,
        "met": cli_rate / curl_rate >= TARGET,
    }


def small_files(
    emulator: str, service: str, token: str, manifest: dict[str, Any], workdir: Path
) -> dict[str, Any]:
    generated = [o for o in manifest["objects"] if o["case"] == "generated_file"]
    listing = workdir / "small.txt"
    listing.write_text("\n".join(o["drs_id"] for o in generated) + "\n")
    asyncio.run(emulator_call(emulator, "reset"))
    out = workdir / "small"
    elapsed = run_cli(service, token, ["-i", str(listing), "-o", str(out)], workdir)
    arrived = sum(1 for p in out.iterdir() if p.is_file())
    stats = asyncio.run(emulator_call(emulator, "stats"))
    shutil.rmtree(out)
    return {
        "files": len(generated),
        "arrived": arrived,
        "seconds": round(elapsed, 3),
        "files_per_s": round(len(generated) / elapsed, 1),
        "signing_calls": stats["by_route"].get(BATCH, 0),
        "resolving_calls": stats["by_route"].get(BUNDLE, 0),
        "storage_requests": stats["blob_requests"],
        "jobs": 4,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cli_download", description=__doc__)
    parser.add_argument("--serve-emulator", nargs=2, metavar=("PORT", "MANIFEST"))
    args = parser.parse_args()
    if args.serve_emulator:
        serve_emulator(
            int(args.serve_emulator[0]), Path(args.serve_emulator[1]), LARGE_MIB, SMALL_FILES
        )
        return
    curl = shutil.which("curl")
    if curl is None:
        sys.exit("curl is needed for the comparison: apt-get install curl")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        workdir = Path(tmp)
        emulator, manifest = start_emulator(workdir)
        service = procs.start_service(emulator.url)
        try:
            token = manifest["users"]["alice"]["token"]
            large = large_file(curl, service.url, token, manifest, workdir)
            small = small_files(emulator.url, service.url, token, manifest, workdir)
        finally:
            service.stop()
            emulator.stop()
    result = {
        "machine": machine(),
        "large_file": large,
        "small_files": small,
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"large file, {large['bytes'] / 2**20:.0f} MiB: curl {large['curl_mb_per_s']} MB/s, "
        f"synapse-drs get {large['cli_mb_per_s']} MB/s end to end = {large['ratio']} x curl "
        f"(target >= {TARGET}: {'met' if large['met'] else 'not met'}); net of its fixed cost "
        f"({statistics.median(large['cli_fixed_cost_s'])} s) {large['cli_net_mb_per_s']} MB/s "
        f"= {large['ratio_net_of_fixed_cost']} x curl"
    )
    print(
        f"{small['files']} small files: {small['arrived']} arrived in {small['seconds']} s, "
        f"{small['files_per_s']} files/s; {small['signing_calls']} signing calls "
        f"(fileHandle/batch), {small['resolving_calls']} resolving calls (bundle2), "
        f"{small['storage_requests']} storage requests"
    )
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
