"""`python -m bench.ab [--rounds N] [--seconds S] [--reads N] REV [REV ...]`: what a change
costs, as CPU per request, steady on a noisy host.

`make bench` measures each server alone, in turn; on this shared machine the host's speed
swings by half between minutes, so one round's ratio lands up to 0.15 from the median and an
A/B of a few per cent drowns. Here every server is loaded at the same time, each by a wrk of
its own (all wrk on the load generator's core, every server on the servers' cores, as in
`make bench`): whatever the host does, it does to all of them at once, and each one's CPU per
request (from /proc) is compared within the round. The spread of a round's ratio falls to a
per cent or two.

- REV: a git revision (HEAD, a commit, a branch) whose adapter/ is served, or `.` for the
  working tree. The bare aiohttp floor (bench/floor.py) runs beside them.
- Cached reads: 16 connections each, `--seconds` a round. Uncached reads: one connection each,
  `--reads` ids never asked for a round (the emulator, on the servers' cores, answers them).
- Each round: every server's CPU microseconds per request; below, each one's median and
  its ratio to the floor's and to the first REV's, with every round.

The CPU ratio to the floor is close to the throughput ratio `make bench` publishes (a server
bound by its CPU serves in inverse proportion to its CPU per request), but it is not that
figure: the servers share a core's caches here. Use this to decide whether a change is worth
keeping, and `make bench` for the published numbers.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import procs, wrk
from bench.__main__ import DRS, _paths, say

ROOT = Path(__file__).resolve().parents[1]
CACHED_CONNECTIONS = 16
FLOOR = "floor"


def checkout(rev: str, into: Path) -> Path:
    """A tree whose adapter/ and config/ are `rev`'s (the working tree for `.`)."""
    if rev == ".":
        return ROOT
    tree = into / rev.replace("/", "_")
    tree.mkdir()
    archive = subprocess.run(  # noqa: S603 - git, on this repository
        ["git", "-C", str(ROOT), "archive", rev, "adapter", "config"],  # noqa: S607
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    return tree


def at_once(
    servers: dict[str, procs.Child], load: Callable[[str, procs.Child], wrk.Result]
) -> dict[str, float]:
    """Every server loaded at once; each one's CPU microseconds per request. A server that
    answered anything but 2xx, or whose load failed, stops the run: its figure would mean
    nothing."""
    before = {name: child.cpu_seconds() for name, child in servers.items()}
    results: dict[str, wrk.Result] = {}

    def run(name: str, child: procs.Child) -> None:
        results[name] = load(name, child)

    threads = [threading.Thread(target=run, args=item) for item in servers.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = {name: child.cpu_seconds() - before[name] for name, child in servers.items()}
    for name in servers:
        result = results.get(name)
        if result is None or any(result.errors.values()) or result.requests == 0:
            raise RuntimeError(
                f"{name}: the load failed ({result.errors if result else 'no result'})"
            )
    return {name: cpu[name] * 1e6 / results[name].requests for name in servers}


def report(title: str, rounds: list[dict[str, float]], first: str) -> None:
    """Each server's median CPU per request and every round; each service's ratio to the
    floor (when it ran) and to the first revision."""
    say(f"\n{title}: CPU microseconds per request, median of {len(rounds)} rounds\n")
    for name in rounds[0]:
        cpu = [r[name] for r in rounds]
        say(f"  {name:<24} {statistics.median(cpu):8.1f}  rounds {[round(c, 1) for c in cpu]}\n")
        if name == FLOOR:
            continue
        for against in (FLOOR, first):
            if against in rounds[0] and against != name:
                ratios = [r[against] / r[name] for r in rounds]
                say(f"  {'':<24} {against} / this {statistics.median(ratios):.3f}"
                    f"  rounds {[round(x, 3) for x in ratios]}\n")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("revs", nargs="+", metavar="REV")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="a cached round's length")
    parser.add_argument("--reads", type=int, default=1500, help="uncached reads a round")
    args = parser.parse_args()
    pinning = procs.plan_pinning()
    tool = wrk.find(pinning.load_generator if pinning else None)
    if tool is None:
        sys.exit(wrk.INSTALL)
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
        work = Path(tmp)
        trees = {rev: checkout(rev, work) for rev in dict.fromkeys(args.revs)}
        per_round = len(trees) * (args.reads + 5)
        emulator, manifest = procs.start_emulator(
            work, "--files", str((args.rounds + 1) * per_round), cpus=pinning
        )
        children = [emulator]
        try:
            floor = procs.start_floor(cpus=pinning)
            children.append(floor)
            services: dict[str, procs.Child] = {}
            for rev, tree in trees.items():
                services[rev] = procs.start_service(emulator.url, cpus=pinning, source=tree)
                children.append(services[rev])
            token = manifest["users"]["alice"]["token"]
            auth = {"Authorization": f"Bearer {token}"}
            private = next(o for o in manifest["objects"] if o["case"] == "private_file")
            pool = iter([o for o in manifest["objects"] if o["case"] == "generated_file"])

            def cached(name: str, child: procs.Child) -> wrk.Result:
                # The floor answers its fixed body for any id; the services read one cached id.
                url = f"{child.url}{DRS}/objects/{private['drs_id']}"
                return wrk.run(tool, url, connections=CACHED_CONNECTIONS,
                               seconds=args.seconds, headers=auth)  # fmt: skip

            paths: dict[str, list[tuple[str, Any]]] = {rev: [] for rev in services}

            def uncached(name: str, child: procs.Child) -> wrk.Result:
                requests = paths[name]
                return wrk.run(tool, f"{child.url}{requests[0][0]}", connections=1,
                               seconds=_cap_s(args.reads), headers=auth, requests=requests,
                               stop_after=args.reads)  # fmt: skip

            loaded = {FLOOR: floor, **services}
            cached_rounds = [at_once(loaded, cached) for _ in range(args.rounds + 1)][1:]
            uncached_rounds: list[dict[str, float]] = []
            for _ in range(args.rounds + 1):
                for rev in services:
                    paths[rev] = _paths("objects", [next(pool) for _ in range(args.reads + 5)])
                uncached_rounds.append(at_once(services, uncached))
            uncached_rounds = uncached_rounds[1:]  # the first of each is a warm-up
        finally:
            for child in reversed(children):
                child.stop()
    say(f"wrk on CPU {pinning.load_generator if pinning else '-'}, servers on "
        f"{pinning.servers if pinning else '-'}\n")  # fmt: skip
    report(f"Cached GET /objects ({CACHED_CONNECTIONS} connections each)", cached_rounds,
           args.revs[0])  # fmt: skip
    report("Uncached GET /objects (one connection each)", uncached_rounds, args.revs[0])


def _cap_s(reads: int) -> float:
    """The longest an uncached round may run: 20 ms a read is far beyond any we see."""
    return max(10.0, reads * 0.02)


if __name__ == "__main__":
    main()
