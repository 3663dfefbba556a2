"""`make bench`: every scenario driven by wrk, written to bench/results and docs/benchmarks.md.

`python -m bench [--quick] [--rounds N] [--loop asyncio|uvloop] [--no-ab]`

- wrk is the load generator (bench/wrk.py); without it the bench says how to install it and
  stops: it publishes no ratio measured with a load generator that saturates first.
- With two cores or more, wrk (and this process) run on the first core and every server on
  the others (`taskset`).
- The service runs as deployed: INFO logging, one access line per request, metrics on; the
  floors run on the same event loop as the service. `--loop` names that loop (asyncio, as
  deployed today); the other loop is measured beside it (the A/B) unless `--no-ab`.
- The compared rows run in alternating rounds (floor, service, floor, service, ...): a noisy
  neighbour then slows both alike. Each row publishes its median and every round.
- `--quick` checks the harness in well under a minute: short rounds, written to
  bench/results/quick-*.json only (docs/ untouched).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import procs, wrk
from bench.loops import LOOPS
from bench.report import write_markdown, write_plots

DRS = "/ga4gh/drs/v1"
RESULTS = Path(__file__).resolve().parent / "results"
BULK_SIZES = (1, 10, 100, 1000)
BUNDLE_SIZES = (10, 1000, 10000, 30000)
# Repetitions per size: enough for each row to run a few tenths of a second, so its CPU
# figure (from /proc, in 10 ms ticks) is not mostly rounding.
BULK_ACCESS_REPS = {1: 300, 10: 100, 100: 20, 1000: 3}
BULK_OBJECTS_REPS = {1: 200, 10: 50, 100: 5, 1000: 2}
BUNDLE_REPS = {10: 300, 1000: 100, 10000: 10, 30000: 10}
BUNDLE2_BODY = {
    "includeEntity": True,
    "includeFileHandles": True,
    "includeRestrictionInformation": True,
}  # what the service asks for
# A run stopped after a count of responses ends on that count; this only bounds a stuck one.
STOP_CAP_S = 60.0


@dataclass(frozen=True)
class Plan:
    """How long each part runs."""

    rounds: int
    throughput_seconds: float  # per round, per server
    throughput_connections: int
    uncached_requests: dict[int, int]  # upstream latency (ms) -> requests per row per round
    held_connections: int
    held_seconds: float


# Seven rounds: one round's ratio swings far on a shared machine; the median of seven holds.
FULL = Plan(7, 3.0, 32, {0: 400, 20: 90}, 1000, 3.0)
QUICK = Plan(3, 1.0, 32, {0: 60, 20: 15}, 1000, 1.0)


def say(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _emulator(url: str, action: str, body: Any = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - our own loopback emulator
        f"{url}/_emulator/{action}", data=data, method="GET" if action == "stats" else "POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        found: dict[str, Any] = json.loads(answer.read())
        return found


def _status(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        status: int = answer.status
        return status


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One row from a scenario's rounds: the median of each figure, totals of the counts,
    and every round as measured."""
    first = rounds[0]
    row: dict[str, Any] = {"scenario": first["scenario"], "loop": first["loop"],
                           "concurrency": first["concurrency"]}  # fmt: skip
    for name in ("requests", "errors", "non_2xx"):
        row[name] = sum(r[name] for r in rounds)
    for name in ("rps", "p50_ms", "p95_ms", "p99_ms", "mean_ms"):
        row[name] = round(statistics.median(r[name] for r in rounds), 3)
    done = max(1, row["requests"])
    if "cpu_s_per_1000" in first:
        cpu = sum(r["cpu_s_per_1000"] * r["requests"] for r in rounds) / done
        row["cpu_s_per_1000"] = round(cpu, 3)
        row["peak_rss_mb"] = max(r["peak_rss_mb"] for r in rounds)
    if "upstream_calls_per_op" in first:
        calls = sum(r["upstream_calls_per_op"] * r["requests"] for r in rounds) / done
        row["upstream_calls_per_op"] = round(calls, 3)
    row["rounds"] = [
        {k: r[k] for k in ("requests", "non_2xx", "rps", "p50_ms", "p99_ms")} for r in rounds
    ]
    return row


@dataclass
class Bench:
    """One run: wrk, the pinning, the plan, the shared emulator and the rows measured."""

    tool: wrk.Tool
    pinning: procs.Pinning | None
    plan: Plan
    loops: tuple[str, ...]  # the deployed loop first
    emulator: procs.Child | None = None
    token: str = ""
    pool: Iterator[dict[str, Any]] = field(default_factory=lambda: iter(()))
    rows: list[dict[str, Any]] = field(default_factory=list)
    reserve: list[dict[str, Any]] = field(default_factory=list)

    def name(self, scenario: str, loop: str) -> str:
        """Rows of the deployed loop carry the plain name; the other loop's say which."""
        return scenario if loop == self.loops[0] else f"{scenario} [{loop}]"

    def take(self, n: int) -> list[dict[str, Any]]:
        """`n` generated files no run has asked for yet."""
        files = list(itertools.islice(self.pool, n))
        if len(files) < n:
            raise RuntimeError("the emulator's generated files ran out: see files_needed")
        return files

    def reuse(self, n: int) -> list[dict[str, Any]]:
        """`n` files for servers that cache nothing (the emulator, the proxy floor): one set,
        asked for again and again, so the service's rows get the fresh ones."""
        if len(self.reserve) < n:
            self.reserve += self.take(n - len(self.reserve))
        return self.reserve[:n]

    def measure(
        self,
        name: str,
        loop: str,
        server: procs.Child | None,
        url: str,
        *,
        connections: int,
        seconds: float | None = None,
        stop_after: int | None = None,
        latency_ms: float = 0.0,
        operations: int | None = None,
        **load: Any,
    ) -> dict[str, Any]:
        """One wrk run against `url`, with the server's CPU and RSS and the upstream calls."""
        if self.emulator is not None:
            _emulator(self.emulator.url, "reset")  # zeroes counters, restores fault defaults
            _emulator(self.emulator.url, "faults", {"latency_ms": latency_ms})
        cpu_before = server.cpu_seconds() if server else 0.0
        headers = {"Authorization": f"Bearer {self.token}"}
        result = wrk.run(
            self.tool, url, connections=connections, seconds=seconds or STOP_CAP_S,
            headers=headers, stop_after=stop_after, **load,
        )  # fmt: skip
        row: dict[str, Any] = {"scenario": name, "loop": loop, "concurrency": connections,
                               **result.figures()}  # fmt: skip
        done = max(1, result.requests)
        if server is not None:
            row["cpu_s_per_1000"] = round((server.cpu_seconds() - cpu_before) * 1000 / done, 3)
            row["peak_rss_mb"] = round(server.peak_rss_mb(), 1)
        if self.emulator is not None:
            calls = _emulator(self.emulator.url, "stats")["total_requests"]
            row["upstream_calls_per_op"] = round(calls / (operations or done), 3)
        flag = f"  [{row['errors']} errors, {row['non_2xx']} not 2xx]" if row["errors"] else ""
        say(f"  {name:<44} {row['rps']:>9} req/s  p50 {row['p50_ms']:>8} ms  "
            f"p99 {row['p99_ms']:>8} ms  upstream/op {row.get('upstream_calls_per_op', '-')}"
            f"{flag}\n")  # fmt: skip
        return row

    def in_rounds(self, specs: list[Spec], latency_ms: int = 0, n: int = 0) -> None:
        """Every spec run once per round, in turn, for `plan.rounds` rounds; one row each.
        A spec with a path runs for `plan.throughput_seconds`; the others send `n` requests
        for ids taken fresh for each run (the service's cache must not answer them)."""
        taken: list[list[dict[str, Any]]] = [[] for _ in specs]
        for number in range(self.plan.rounds):
            say(f" round {number + 1}\n")
            for spec, rounds in zip(specs, taken, strict=True):
                if spec.kind.startswith("/"):
                    rounds.append(self.measure(
                        spec.scenario, spec.loop, spec.server, f"{spec.base}{spec.kind}",
                        connections=spec.connections, seconds=self.plan.throughput_seconds,
                    ))  # fmt: skip
                    continue
                # A few spare requests: the stop count comes before any id comes round again.
                count = n + spec.connections
                paths = _paths(spec.kind, self.take(count) if spec.caches else self.reuse(count))
                rounds.append(self.measure(
                    spec.scenario, spec.loop, spec.server, f"{spec.base}{paths[0][0]}",
                    connections=spec.connections, stop_after=n, latency_ms=latency_ms,
                    requests=paths, method="POST" if spec.kind == "bundle2" else None,
                ))  # fmt: skip
        self.rows.extend(combine(rounds) for rounds in taken)


@dataclass(frozen=True)
class Spec:
    """A row measured in rounds: what wrk loads, and whose CPU and RSS the row reports."""

    scenario: str
    loop: str
    server: procs.Child | None
    base: str  # the server's URL
    connections: int
    kind: str  # a fixed path, or "bundle2", "objects", "access": one id a request
    caches: bool = True  # the server caches what it reads: every run needs ids not asked for


def _paths(kind: str, files: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """One (path, body) a request, each for another of `files`."""
    if kind == "bundle2":
        return [("/repo/v1/entity/{}/version/{}/bundle2".format(*f["drs_id"].split(".")),
                 BUNDLE2_BODY) for f in files]  # fmt: skip
    if kind == "access":
        return [(f"{DRS}/objects/{f['drs_id']}/access/{f['access_id']}", None) for f in files]
    return [(f"{DRS}/objects/{f['drs_id']}", None) for f in files]


Servers = dict[str, tuple[procs.Child, procs.Child]]  # loop -> (its floor, its service)


def throughput(bench: Bench, servers: Servers, cached_path: str) -> None:
    """The floor's and the cached read's throughput, alternating, on every loop."""
    plan = bench.plan
    say(f"Cached GET against the floor: wrk, {plan.throughput_connections} connections, "
        f"{plan.throughput_seconds:g} s a run\n")  # fmt: skip
    floor_path = f"{DRS}/objects/syn1000004.1"
    specs = []
    for loop, (floor, service) in servers.items():
        specs += [
            Spec(bench.name("floor (bare aiohttp)", loop), loop, floor, floor.url,
                 plan.throughput_connections, floor_path),
            Spec(bench.name("cached GET /objects", loop), loop, service, service.url,
                 plan.throughput_connections, cached_path),
        ]  # fmt: skip
    for spec in specs:  # warm each server (the service's cache too), unrecorded
        wrk.run(bench.tool, f"{spec.base}{spec.kind}", connections=spec.connections, seconds=1,
                headers={"Authorization": f"Bearer {bench.token}"})  # fmt: skip
    bench.in_rounds(specs)


def uncached(bench: Bench, servers: Servers) -> None:
    """Reads of ids the service has not seen: what it adds to Synapse's latency, beside what a
    bare aiohttp proxy adds, one request at a time (wrk, one connection); then three at a time
    (x3: one caller's limit toward Synapse), each beside the emulator's bundle2 timed directly."""
    assert bench.emulator is not None
    upstream = bench.emulator.url
    deployed = bench.loops[0]
    for latency, n in bench.plan.uncached_requests.items():
        say(f"Uncached reads, {latency} ms upstream: wrk, {n} requests a run\n")
        specs = [Spec(f"upstream bundle2 direct ({latency} ms)", deployed, None, upstream, 1,
                      "bundle2", caches=False)]  # fmt: skip
        for loop, (proxy, service) in servers.items():
            specs += [
                Spec(bench.name(f"proxy floor, bare aiohttp ({latency} ms)", loop), loop, proxy,
                     proxy.url, 1, "objects", caches=False),
                Spec(bench.name(f"uncached GET /objects ({latency} ms)", loop), loop, service,
                     service.url, 1, "objects"),
            ]  # fmt: skip
        service = servers[deployed][1]
        specs += [
            Spec(f"upstream bundle2 direct ({latency} ms) x3", deployed, None, upstream, 3,
                 "bundle2", caches=False),
            Spec(f"uncached GET /objects ({latency} ms) x3", deployed, service, service.url, 3,
                 "objects"),
            Spec(f"GET access URL ({latency} ms) x3", deployed, service, service.url, 3,
                 "access"),
        ]  # fmt: skip
        bench.in_rounds(specs, latency, n)


def bulk(bench: Bench, service: procs.Child) -> None:
    """Bulk requests of 1 to 1,000 ids, one at a time: upstream calls, latency, CPU."""
    say("Bulk requests: wrk, one connection\n")
    deployed = bench.loops[0]
    for size in BULK_SIZES:
        reps = BULK_ACCESS_REPS[size]
        body = {"bulk_object_access_ids": [
            {"bulk_object_id": f["drs_id"], "bulk_access_ids": [f["access_id"]]}
            for f in bench.take(size)]}  # fmt: skip
        bench.rows.append(bench.measure(
            f"bulk access x{size}", deployed, service, f"{service.url}{DRS}/objects/access",
            connections=1, stop_after=reps, operations=reps, method="POST", body=body))  # fmt: skip
    for size in BULK_SIZES:
        reps = BULK_OBJECTS_REPS[size]
        requests = [(f"{DRS}/objects", {"bulk_object_ids": [f["drs_id"] for f in bench.take(size)]})
                    for _ in range(reps)]  # fmt: skip
        bench.rows.append(bench.measure(
            f"bulk objects x{size} (uncached)", deployed, service, f"{service.url}{DRS}/objects",
            connections=1, stop_after=reps, operations=reps, method="POST",
            requests=requests))  # fmt: skip


def held(bench: Bench, service: procs.Child) -> dict[str, Any]:
    """1,000 connections open at once, each sending request after request (wrk opens them all
    at the start): every one answered, and the service's peak RSS."""
    plan = bench.plan
    row = bench.measure(
        f"{plan.held_connections} connections, GET /service-info", bench.loops[0], service,
        f"{service.url}{DRS}/service-info", connections=plan.held_connections,
        seconds=plan.held_seconds,
    )  # fmt: skip
    return {"connections": plan.held_connections, "seconds": plan.held_seconds,
            "requests": row["requests"], "errors": row["errors"], "rps": row["rps"],
            "p99_ms": row["p99_ms"], "peak_rss_mb": row["peak_rss_mb"]}  # fmt: skip


def files_needed(plan: Plan, loops: int) -> int:
    """Generated files the main stack asks for: fresh ids for every uncached run of a service
    (one a loop one at a time, then x3 reads and x3 access URLs), one reused set for the
    emulator and the proxy floors, and the bulk rows' ids."""
    fresh = sum(loops * (n + 1) + 2 * (n + 3) for n in plan.uncached_requests.values())
    reused = max(plan.uncached_requests.values()) + 3
    bulk = sum(BULK_SIZES) + sum(size * reps for size, reps in BULK_OBJECTS_REPS.items())
    return plan.rounds * fresh + reused + bulk


def main_stack(bench: Bench, workdir: Path) -> dict[str, Any]:
    cpus = bench.pinning
    files = files_needed(bench.plan, len(bench.loops))
    emulator, manifest = procs.start_emulator(workdir, "--files", str(files), cpus=cpus)
    children = [emulator]
    try:
        floors: Servers = {}
        proxied: Servers = {}
        for loop in bench.loops:
            floor = procs.start_floor(loop=loop, cpus=cpus)
            proxy = procs.start_floor(upstream=emulator.url, loop=loop, cpus=cpus)
            service = procs.start_service(emulator.url, loop=loop, cpus=cpus)
            children += [floor, proxy, service]
            floors[loop], proxied[loop] = (floor, service), (proxy, service)
        bench.emulator = emulator
        bench.token = manifest["users"]["alice"]["token"]
        bench.pool = iter([o for o in manifest["objects"] if o["case"] == "generated_file"])
        private = next(o for o in manifest["objects"] if o["case"] == "private_file")
        cached_path = f"{DRS}/objects/{private['drs_id']}"
        for _, service in floors.values():
            status = _status(f"{service.url}{cached_path}", bench.token)
            if status != 200:
                raise RuntimeError(f"the cached read answers {status}, not 200")
        throughput(bench, floors, cached_path)
        uncached(bench, proxied)
        deployed_service = floors[bench.loops[0]][1]
        bulk(bench, deployed_service)
        say("Connections held at once: wrk\n")
        return {"connections_1000": held(bench, deployed_service)}
    finally:
        bench.emulator = None
        for child in reversed(children):
            child.stop()


def bundles(bench: Bench, workdir: Path) -> None:
    say("Dataset bundles (caching off): wrk, one connection\n")
    for size in BUNDLE_SIZES:
        emulator, manifest = procs.start_emulator(
            workdir, "--seed", "empty", "--dataset-items", str(size), cpus=bench.pinning
        )
        # Caching off: every request reads the Dataset from Synapse again.
        service = procs.start_service(
            emulator.url, loop=bench.loops[0], cpus=bench.pinning, cache_ttl_s="0"
        )
        bench.emulator = emulator
        try:
            bench.token = manifest["users"]["alice"]["token"]
            dataset = next(o for o in manifest["objects"] if o["case"] == "generated_dataset")
            reps = BUNDLE_REPS[size]
            bench.rows.append(bench.measure(
                f"bundle of {size} items", bench.loops[0], service,
                f"{service.url}{DRS}/objects/{dataset['drs_id']}", connections=1,
                stop_after=reps, operations=reps))  # fmt: skip
        finally:
            bench.emulator = None
            service.stop()
            emulator.stop()


def method(bench: Bench, quick: bool) -> dict[str, Any]:
    """How the run was measured, for the doc: the tool, the pinning, the service's set-up."""
    plan = bench.plan
    return {
        "load_generator": bench.tool.version,
        "wrk_threads": 1,
        "pinning": bench.pinning.describe() if bench.pinning else None,
        "log_level": "INFO",
        "access_log": "one JSON line per request, written to stdout (/dev/null)",
        "metrics": "on",
        "loop": bench.loops[0],
        "ab_loops": list(bench.loops[1:]),
        "rounds": plan.rounds,
        "throughput_connections": plan.throughput_connections,
        "throughput_seconds": plan.throughput_seconds,
        "uncached_requests": {str(k): v for k, v in plan.uncached_requests.items()},
        "quick": quick,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short runs: check the harness")
    parser.add_argument("--rounds", type=int, default=FULL.rounds,
                        help="alternating rounds of the compared rows (at least 3)")  # fmt: skip
    parser.add_argument(
        "--loop",
        choices=LOOPS,
        default="asyncio",
        help="the service's event loop, as deployed (the floors' too)",
    )
    parser.add_argument("--no-ab", action="store_true",
                        help="do not measure the other event loop beside it")  # fmt: skip
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds: at least 3, for a median that one noisy round cannot move")
    pinning = procs.plan_pinning()
    tool = wrk.find(pinning.load_generator if pinning else None)
    if tool is None:
        say(wrk.INSTALL)
        raise SystemExit(2)
    if pinning is not None:  # this process drives wrk and reads /proc: the load's core too
        os.sched_setaffinity(0, pinning.load_generator)
    others = () if args.no_ab else tuple(loop for loop in LOOPS if loop != args.loop)
    plan = dataclasses.replace(QUICK if args.quick else FULL, rounds=args.rounds)
    bench = Bench(tool, pinning, plan, (args.loop, *others))
    pinned = (f"wrk on cpu {pinning.load_generator}, servers on {pinning.servers}"
              if pinning else "not pinned (fewer than 2 cores, or no taskset)")  # fmt: skip
    say(f"Benchmark (loopback; the emulator stands in for Synapse): {tool.version}; {pinned}\n")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        extra = main_stack(bench, Path(tmp))
        bundles(bench, Path(tmp))
    results = {"machine": procs.machine(), "method": method(bench, args.quick),
               "scenarios": bench.rows, **extra}  # fmt: skip
    results["run_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    text = json.dumps(results, indent=2)
    if args.quick:
        (RESULTS / f"quick-{stamp}.json").write_text(text)
        say(f"results (quick: docs untouched): bench/results/quick-{stamp}.json\n")
        return
    (RESULTS / f"{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    write_markdown(results)
    write_plots(results)
    say(f"results: bench/results/{stamp}.json, docs/benchmarks.md ({results['run_seconds']} s)\n")


if __name__ == "__main__":
    main()
