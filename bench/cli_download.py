"""`python -m bench.cli_download`: what `synapse-drs get` costs, against curl and at scale.

Two figures, each from real processes on loopback (the emulator, the service, the command):

- One large file (256 MiB): `synapse-drs get` end to end (start-up, resolve, sign, download,
  md5, rename) against `curl -o` on a presigned URL of the same object from the same
  storage, and, for the same work, against `curl -o` followed by `md5sum`. Alternating
  rounds (curl, md5sum, command, command --version, command on a small file; again...)
  after one warm-up of each, every round published and the medians compared. Target: the
  command at >= 0.9 x curl's throughput. Also shown, each round: the command's start-up
  alone (`--version`: the interpreter and its imports) and its fixed cost (a small file end
  to end: start-up, resolving, signing), and its throughput net of that fixed cost.
- 1,000 small files from one manifest: wall time, files per second, and the Synapse calls
  the emulator counted (signing: `fileHandle/batch`, 100 a call; resolving: `bundle2`).

With two cores or more (and taskset) the client (curl, the command) runs on one core and the
emulator and the service on the others, as `make bench` pins wrk. Prints the figures and
writes `bench/results/cli-latest.json`. The emulator's throttle is off (1,000 objects
resolve in well under Synapse's 600-a-minute budget here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from bench import procs

RESULTS = Path(__file__).resolve().parent / "results" / "cli-latest.json"
LARGE_MIB = 256
SMALL_FILES = 1000
ROUNDS = 7
TARGET = 0.9
BATCH = "POST /file/v1/fileHandle/batch"
BUNDLE = "POST /repo/v1/entity/{id}/version/{version}/bundle2"


@dataclass(frozen=True)
class Client:
    """How the client side runs: on its own core when pinned, from `cwd` (the package
    imported from there first, so a copy of another version can be timed against this one)."""

    pin: tuple[str, ...]
    cwd: Path

    def cli(self, service: str, token: str, args: list[str]) -> float:
        """`python -m adapter.cli get ...`; its wall time in seconds (it must succeed)."""
        return self.timed([sys.executable, "-m", "adapter.cli", "get", "--server", service,
                           *args], {"SYNAPSE_AUTH_TOKEN": token})  # fmt: skip

    def start_up(self) -> float:
        """`python -m adapter.cli --version`: the interpreter and the command's imports."""
        return self.timed([sys.executable, "-m", "adapter.cli", "--version"], {})

    def curl(self, curl: str, url: str, dest: Path) -> float:
        return self.timed([curl, "-s", "-f", "-o", str(dest), url], {})

    def md5sum(self, path: Path) -> float:
        return self.timed(["md5sum", str(path)], {})

    def timed(self, command: list[str], env: dict[str, str]) -> float:
        started = time.perf_counter()
        answer = subprocess.run(  # noqa: S603 - our own interpreter and module, or curl
            [*self.pin, *command],
            cwd=self.cwd,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if answer.returncode != 0:
            raise RuntimeError(f"{command[0]} failed:\n{answer.stdout[-3000:]}\n{answer.stderr}")
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


async def emulator_call(emulator: str, action: str) -> dict[str, Any]:
    async with ClientSession() as session:
        method = session.get if action == "stats" else session.post
        async with method(f"{emulator}/_emulator/{action}") as response:
            body: dict[str, Any] = await response.json()
            return body


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _rounded(values: list[float]) -> list[float]:
    return [round(v, 3) for v in values]


def large_file(
    client: Client,
    curl: str,
    service: str,
    token: str,
    manifest: dict[str, Any],
    workdir: Path,
    rounds: int,
) -> dict[str, Any]:
    """Alternating rounds, after one warm-up of each (page cache, .pyc files): curl then the
    command on the large file, then the command's start-up and fixed cost."""
    large = next(o for o in manifest["objects"] if o["case"] == "large_file")
    tiny = next(o for o in manifest["objects"] if o["case"] == "generated_file")
    size = int(large["size"])
    out = workdir / "cli"
    target = workdir / "curl.bin"
    times: dict[str, list[float]] = {k: [] for k in ("curl", "md5sum", "cli", "start_up", "fixed")}

    def one_round() -> dict[str, float]:
        # A fresh URL for curl each round, signed outside its timing (the command signs its
        # own inside); both fetch the same object, with the same lifetime left.
        url = asyncio.run(presign(service, token, large))
        curl_s = client.curl(curl, url, target)
        md5sum_s = client.md5sum(target)
        target.unlink()
        cli_s = client.cli(service, token, [large["drs_id"], "-o", str(out)])
        if (out / "large.bin").stat().st_size != size:
            raise RuntimeError("the command's file has the wrong size")
        shutil.rmtree(out)
        start_up = client.start_up()
        fixed = client.cli(service, token, [tiny["drs_id"], "-o", str(out)])
        shutil.rmtree(out)
        return {
            "curl": curl_s,
            "md5sum": md5sum_s,
            "cli": cli_s,
            "start_up": start_up,
            "fixed": fixed,
        }

    warm_up = one_round()
    for _ in range(rounds):
        for key, value in one_round().items():
            times[key].append(value)
    mb = size / 1e6
    curl_rate = mb / _median(times["curl"])
    cli_rate = mb / _median(times["cli"])
    fixed = _median(times["fixed"])
    net = mb / max(_median(times["cli"]) - fixed, 1e-9)
    per_round = [c / k for c, k in zip(times["curl"], times["cli"], strict=True)]
    both = [c + m for c, m in zip(times["curl"], times["md5sum"], strict=True)]
    return {
        "bytes": size,
        "rounds": rounds,
        "order": "alternating: curl, md5sum, command, command --version, command on a small file",
        "warm_up_s": {key: round(value, 3) for key, value in warm_up.items()},
        "curl_s": _rounded(times["curl"]),
        "cli_s": _rounded(times["cli"]),
        "ratio_per_round": _rounded(per_round),
        "md5sum_after_curl_s": _rounded(times["md5sum"]),
        "cli_start_up_s": _rounded(times["start_up"]),
        "cli_fixed_cost_s": _rounded(times["fixed"]),
        "curl_mb_per_s": round(curl_rate, 1),
        "cli_mb_per_s": round(cli_rate, 1),
        "cli_start_up_median_s": round(_median(times["start_up"]), 3),
        "cli_fixed_cost_median_s": round(fixed, 3),
        "cli_net_mb_per_s": round(net, 1),
        "ratio": round(cli_rate / curl_rate, 3),
        "ratio_net_of_fixed_cost": round(net / curl_rate, 3),
        "target": TARGET,
        "met": cli_rate / curl_rate >= TARGET,
        # The same work as the command's (the bytes and their md5 checked), done by hand.
        "curl_then_md5sum_mb_per_s": round(mb / _median(both), 1),
        "ratio_to_curl_then_md5sum": round(cli_rate / (mb / _median(both)), 3),
    }


def small_files(
    client: Client,
    emulator: str,
    service: str,
    token: str,
    manifest: dict[str, Any],
    workdir: Path,
) -> dict[str, Any]:
    generated = [o for o in manifest["objects"] if o["case"] == "generated_file"]
    listing = workdir / "small.txt"
    listing.write_text("\n".join(o["drs_id"] for o in generated) + "\n")
    asyncio.run(emulator_call(emulator, "reset"))
    out = workdir / "small"
    elapsed = client.cli(service, token, ["-i", str(listing), "-o", str(out)])
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


def say_large(large: dict[str, Any]) -> None:
    print(
        f"large file, {large['bytes'] / 2**20:.0f} MiB, median of {large['rounds']} "
        f"alternating rounds: curl {large['curl_mb_per_s']} MB/s, synapse-drs get "
        f"{large['cli_mb_per_s']} MB/s end to end = {large['ratio']} x curl (target >= "
        f"{TARGET}: {'met' if large['met'] else 'not met'})"
    )
    print(f"  curl s:    {large['curl_s']}")
    print(f"  command s: {large['cli_s']}")
    print(f"  ratio per round: {large['ratio_per_round']}")
    print(
        f"  md5sum after curl s: {large['md5sum_after_curl_s']}; curl then md5sum "
        f"{large['curl_then_md5sum_mb_per_s']} MB/s, the command = "
        f"{large['ratio_to_curl_then_md5sum']} x that"
    )
    print(
        f"  start-up (--version) {large['cli_start_up_median_s']} s, fixed cost (a small file "
        f"end to end) {large['cli_fixed_cost_median_s']} s; net of it {large['cli_net_mb_per_s']} "
        f"MB/s = {large['ratio_net_of_fixed_cost']} x curl"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cli_download", description=__doc__)
    parser.add_argument("--mib", type=int, default=LARGE_MIB, help="the large file's size")
    parser.add_argument(
        "--rounds", type=int, default=ROUNDS, help=f"alternating rounds ({ROUNDS}, at least 3)"
    )
    parser.add_argument("--no-small", action="store_true", help="skip the 1,000 small files")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds: at least 3, for a median that one noisy round cannot move")
    curl = shutil.which("curl")
    if curl is None:
        sys.exit("curl is needed for the comparison: apt-get install curl")
    pinning = procs.plan_pinning()
    pin = ("taskset", "-c", ",".join(map(str, pinning.load_generator))) if pinning else ()
    pinned = (f"client on cpu {pinning.load_generator}, emulator and service on {pinning.servers}"
              if pinning else "not pinned (fewer than 2 cores, or no taskset)")  # fmt: skip
    print(f"synapse-drs get against curl (loopback; the emulator stands in for S3): {pinned}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        workdir = Path(tmp)
        client = Client(pin, workdir)
        emulator, manifest = procs.start_emulator(
            workdir,
            *("--seed", "empty", "--files", str(SMALL_FILES), "--large-file-mib", str(args.mib)),
            cpus=pinning,
        )
        service = procs.start_service(emulator.url, cpus=pinning)
        try:
            token = manifest["users"]["alice"]["token"]
            large = large_file(client, curl, service.url, token, manifest, workdir, args.rounds)
            say_large(large)
            small = None
            if not args.no_small:
                small = small_files(client, emulator.url, service.url, token, manifest, workdir)
        finally:
            service.stop()
            emulator.stop()
    result = {
        "machine": procs.machine(),
        "pinning": pinning.describe() if pinning else None,
        "large_file": large,
        "small_files": small,
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=2) + "\n")
    if small is not None:
        print(
            f"{small['files']} small files: {small['arrived']} arrived in {small['seconds']} s, "
            f"{small['files_per_s']} files/s; {small['signing_calls']} signing calls "
            f"(fileHandle/batch), {small['resolving_calls']} resolving calls (bundle2), "
            f"{small['storage_requests']} storage requests"
        )
    print(f"written to {args.results}")


if __name__ == "__main__":
    main()
