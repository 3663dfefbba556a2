"""`make bench`: every scenario side by side in one run, written to bench/results and docs/."""

from __future__ import annotations

import asyncio
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench import load, procs
from bench.report import write_markdown, write_plots

RESULTS = Path(__file__).resolve().parent / "results"
BULK_SIZES = (1, 10, 100, 1000)
BUNDLE_SIZES = (10, 1000, 10000, 30000)
# Repetitions per size: enough for each row to run a few tenths of a second, so its CPU
# figure (from /proc, in 10 ms ticks) is not mostly rounding.
BULK_ACCESS_REPS = {1: 300, 10: 100, 100: 20, 1000: 3}
BULK_OBJECTS_REPS = {1: 200, 10: 50, 100: 5, 1000: 2}
BUNDLE_REPS = {10: 300, 1000: 100, 10000: 10, 30000: 10}
BUNDLE2 = "POST /repo/v1/entity/{id}/version/{version}/bundle2"


async def _emulator(url: str, action: str, body: Any = None) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        method = "GET" if action == "stats" else "POST"
        async with session.request(method, f"{url}/_emulator/{action}", json=body) as response:
            answer: dict[str, Any] = await response.json()
            return answer


async def measure(
    name: str,
    service: procs.Child | None,
    emulator: procs.Child | None,
    make: Any,
    total: int,
    concurrency: int,
    operations: int | None = None,
    latency_ms: float = 0.0,
) -> dict[str, Any]:
    """One scenario: the load's figures plus upstream calls per operation, CPU and RSS."""
    if emulator is not None:
        await _emulator(emulator.url, "reset")  # zeroes counters, restores fault defaults
        await _emulator(emulator.url, "faults", {"latency_ms": latency_ms})
    cpu_before = service.cpu_seconds() if service else 0.0
    outcome = await load.run(make, total, concurrency)
    row: dict[str, Any] = {"scenario": name, "concurrency": concurrency, **outcome.figures()}
    row["statuses"] = {str(k): v for k, v in sorted(outcome.statuses.items())}
    done = max(1, len(outcome.latencies))
    if service is not None:
        row["cpu_s_per_1000"] = round((service.cpu_seconds() - cpu_before) * 1000 / done, 3)
        row["peak_rss_mb"] = round(service.peak_rss_mb(), 1)
    if emulator is not None:
        calls = (await _emulator(emulator.url, "stats"))["total_requests"]
        row["upstream_calls_per_op"] = round(calls / (operations or done), 3)
    per_op = row.get("upstream_calls_per_op", "-")
    sys_write(
        f"  {name:<34} {row['rps']:>9} req/s  p50 {row['p50_ms']:>8} ms  "
        f"p99 {row['p99_ms']:>8} ms  upstream/op {per_op}\n"
    )
    return row


def sys_write(text: str) -> None:
    import sys

    sys.stdout.write(text)
    sys.stdout.flush()


async def main_stack(workdir: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    floor = procs.start_floor()
    emulator, manifest = procs.start_emulator(workdir, "--files", "12000")
    proxy = procs.start_floor(upstream=emulator.url)
    service = procs.start_service(emulator.url)
    extra: dict[str, Any] = {}
    try:
        alice = manifest["users"]["alice"]["token"]
        files = [o for o in manifest["objects"] if o["case"] == "generated_file"]
        pool = iter(files)

        def take(n: int) -> list[dict[str, Any]]:
            return [next(pool) for _ in range(n)]

        base = f"{service.url}{load.DRS}"
        private = next(o for o in manifest["objects"] if o["case"] == "private_file")
        await load.run(lambda i: load.get(f"{base}/objects/{private['drs_id']}", alice), 10, 1)
        # The floor and the cached read take turns, three rounds each: a noisy neighbour then
        # slows both alike. The round with the median ratio is the one reported.
        rounds = []
        for _ in range(3):
            pair = (
                await measure(
                    "floor (bare aiohttp)", floor, None,
                    lambda i: load.get(f"{floor.url}{load.DRS}/objects/syn1000004.1"), 5000, 32),
                await measure(
                    "cached GET /objects", service, emulator,
                    lambda i: load.get(f"{base}/objects/{private['drs_id']}", alice), 5000, 32),
            )  # fmt: skip
            rounds.append(pair)
        rounds.sort(key=lambda pair: pair[1]["rps"] / pair[0]["rps"])
        rows.extend(rounds[1])
        extra["cached_over_floor_rounds"] = [
            round(cached["rps"] / floor_row["rps"], 3) for floor_row, cached in rounds
        ]
        for latency in (0, 20):
            n = 900 if latency == 0 else 240

            direct = take(n)

            def bundle2(i: int, direct: list[dict[str, Any]] = direct) -> load.Request:
                entity, version = direct[i]["drs_id"].split(".")
                return load.Request(
                    "POST", f"{emulator.url}/repo/v1/entity/{entity}/version/{version}/bundle2",
                    {"Authorization": f"Bearer {alice}"},
                    {"includeEntity": True, "includeFileHandles": True,
                     "includeRestrictionInformation": True},
                )  # fmt: skip

            # One at a time: what the service adds to Synapse's latency, beside what a bare
            # aiohttp proxy adds (the framework's own limit for a hop). Three at a time (x3):
            # one caller's limit toward Synapse.
            for concurrency, suffix in ((1, ""), (3, " x3")):
                rows.append(await measure(
                    f"upstream bundle2 direct ({latency} ms){suffix}", None, emulator, bundle2,
                    n, concurrency, latency_ms=latency))  # fmt: skip
                if concurrency == 1:
                    forwarded = take(n)
                    rows.append(await measure(
                        f"proxy floor, bare aiohttp ({latency} ms)", proxy, emulator,
                        lambda i, s=forwarded: load.get(
                            f"{proxy.url}{load.DRS}/objects/{s[i]['drs_id']}", alice),
                        n, 1, latency_ms=latency))  # fmt: skip
                ids = take(n)
                rows.append(await measure(
                    f"uncached GET /objects ({latency} ms){suffix}", service, emulator,
                    lambda i, s=ids: load.get(f"{base}/objects/{s[i]['drs_id']}", alice),
                    n, concurrency, latency_ms=latency))  # fmt: skip
            access = take(n)
            rows.append(await measure(
                f"GET access URL ({latency} ms) x3", service, emulator,
                lambda i, a=access: load.get(
                    f"{base}/objects/{a[i]['drs_id']}/access/{a[i]['access_id']}", alice),
                n, 3, latency_ms=latency))  # fmt: skip
        for size in BULK_SIZES:
            reps = BULK_ACCESS_REPS[size]
            batch = take(size)
            body = {"bulk_object_access_ids": [
                {"bulk_object_id": f["drs_id"], "bulk_access_ids": [f["access_id"]]}
                for f in batch]}  # fmt: skip
            rows.append(await measure(
                f"bulk access x{size}", service, emulator,
                lambda i, b=body: load.Request(
                    "POST", f"{base}/objects/access", {"Authorization": f"Bearer {alice}"}, b),
                reps, 1, operations=reps))  # fmt: skip
        for size in BULK_SIZES:
            reps = BULK_OBJECTS_REPS[size]
            batches = [[f["drs_id"] for f in take(size)] for _ in range(reps)]
            rows.append(await measure(
                f"bulk objects x{size} (uncached)", service, emulator,
                lambda i, bs=batches: load.Request(
                    "POST", f"{base}/objects", {"Authorization": f"Bearer {alice}"},
                    {"bulk_object_ids": bs[i]}),
                reps, 1, operations=reps))  # fmt: skip
        held = await load.hold_connections(f"{base}/service-info", 1000, 3)
        extra["connections_1000"] = {**held, "peak_rss_mb": round(service.peak_rss_mb(), 1)}
        sys_write(f"  1000 connections: {extra['connections_1000']}\n")
    finally:
        for child in (service, proxy, emulator, floor):
            child.stop()
    return extra


async def bundles(workdir: Path, rows: list[dict[str, Any]]) -> None:
    for size in BUNDLE_SIZES:
        emulator, manifest = procs.start_emulator(
            workdir, "--seed", "empty", "--dataset-items", str(size)
        )
        # Caching off: every request reads the Dataset from Synapse again.
        service = procs.start_service(emulator.url, cache_ttl_s="0")
        try:
            alice = manifest["users"]["alice"]["token"]
            dataset = next(o for o in manifest["objects"] if o["case"] == "generated_dataset")
            url = f"{service.url}{load.DRS}/objects/{dataset['drs_id']}"
            reps = BUNDLE_REPS[size]
            rows.append(await measure(
                f"bundle of {size} items", service, emulator,
                lambda i, u=url, t=alice: load.get(u, t), reps, 1, operations=reps))  # fmt: skip
        finally:
            service.stop()
            emulator.stop()


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    import os

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


async def run_all() -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sys_write("Benchmark (loopback; the emulator stands in for Synapse)\n")
        extra = await main_stack(Path(tmp), rows)
        await bundles(Path(tmp), rows)
    return {"machine": machine(), "scenarios": rows, **extra}


def main() -> None:
    started = time.perf_counter()
    results = asyncio.run(run_all())
    results["run_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    text = json.dumps(results, indent=2)
    (RESULTS / f"{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    write_markdown(results)
    write_plots(results)
    sys_write(f"results: bench/results/{stamp}.json, docs/benchmarks.md\n")


if __name__ == "__main__":
    main()
