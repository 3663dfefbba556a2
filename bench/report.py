"""docs/benchmarks.md, regenerated from a run's results: how it was measured, the targets,
every round of the compared rows, the event loop A/B, the table and the plots.

With no published results (bench/results/latest.json absent) the doc says how the bench
measures and that no run has been published yet.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOC = DOCS / "benchmarks.md"
LATEST = ROOT / "bench" / "results" / "latest.json"
PLOTS = ("bench-bulk.png", "bench-bundles.png")
LATENCIES = (0, 20)
CACHED_TARGET, CACHED_AIM = 0.6, 0.7
# The floor does the same work every round: when its slowest round runs at under half its
# fastest, the host's speed moved more than any ratio can say, and the cached target is
# not judged on that run (its figures are still published).
STEADY = 0.5
ADDED_TARGET = 1.25  # x what a bare aiohttp proxy adds at p50


def published() -> dict[str, Any] | None:
    """The published run's results, or None before the first."""
    if not LATEST.is_file():
        return None
    found: dict[str, Any] = json.loads(LATEST.read_text())
    return found


def _row(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(r for r in rows if r["scenario"] == name)


def _named(scenario: str, loop: str, deployed: str) -> str:
    return scenario if loop == deployed else f"{scenario} [{loop}]"


def loops(results: dict[str, Any]) -> list[str]:
    """The deployed event loop first, then the one measured beside it (if any)."""
    return [results["method"]["loop"], *results["method"]["ab_loops"]]


def _per_round(first: dict[str, Any], second: dict[str, Any], key: str, op: str) -> list[float]:
    pairs = zip(first["rounds"], second["rounds"], strict=True)
    if op == "ratio":
        return [round(b[key] / a[key], 3) if a[key] else 0.0 for a, b in pairs]
    return [round(b[key] - a[key], 3) for a, b in pairs]


def ratios(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per event loop: the cached read's throughput over the floor's, and what the service and
    a bare aiohttp proxy add to the upstream's p50, each round's figure and their median.

    Each figure pairs rows of the same round (measured one after the other), then takes the
    median over rounds: a neighbour's burst then moves both sides of one round alike."""
    rows = results["scenarios"]
    deployed = loops(results)[0]
    found: dict[str, dict[str, Any]] = {}
    for loop in loops(results):
        floor = _row(rows, _named("floor (bare aiohttp)", loop, deployed))
        cached = _row(rows, _named("cached GET /objects", loop, deployed))
        by_round = _per_round(floor, cached, "rps", "ratio")
        floor_rates = [r["rps"] for r in floor["rounds"]]
        figures: dict[str, Any] = {
            "floor_rps": floor["rps"],
            "cached_rps": cached["rps"],
            "cached_over_floor_rounds": by_round,
            "cached_over_floor": round(statistics.median(by_round), 3),
            # The floor's slowest and fastest rounds: the host's steadiness during the run.
            "floor_rps_span": (min(floor_rates), max(floor_rates)),
            "floor_steadiness": round(min(floor_rates) / max(floor_rates), 2),
            "errors": floor["errors"] + cached["errors"],
        }
        for latency in LATENCIES:
            upstream = _row(rows, f"upstream bundle2 direct ({latency} ms)")
            proxy = _row(rows, _named(f"proxy floor, bare aiohttp ({latency} ms)", loop, deployed))
            service = _row(rows, _named(f"uncached GET /objects ({latency} ms)", loop, deployed))
            added = _per_round(upstream, service, "p50_ms", "minus")
            proxy_added = _per_round(upstream, proxy, "p50_ms", "minus")
            figures[f"added_p50_ms_{latency}_rounds"] = added
            figures[f"proxy_added_p50_ms_{latency}_rounds"] = proxy_added
            figures[f"added_p50_ms_{latency}"] = round(statistics.median(added), 3)
            figures[f"proxy_added_p50_ms_{latency}"] = round(statistics.median(proxy_added), 3)
            figures[f"uncached_errors_{latency}"] = (
                upstream["errors"] + proxy["errors"] + service["errors"]
            )
            if loop == deployed:
                loaded = _per_round(
                    _row(rows, f"upstream bundle2 direct ({latency} ms) x3"),
                    _row(rows, f"uncached GET /objects ({latency} ms) x3"), "p50_ms", "minus",
                )  # fmt: skip
                figures[f"added_p50_ms_{latency}_x3"] = round(statistics.median(loaded), 3)
        found[loop] = figures
    return found


def targets(
    results: dict[str, Any], found: dict[str, dict[str, Any]]
) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for the deployed event loop's rows."""
    rows = results["scenarios"]
    mine = found[loops(results)[0]]
    access = _row(rows, "bulk access x1000")
    bundle = _row(rows, "bundle of 30000 items")
    held = results["connections_1000"]
    cached = mine["cached_over_floor"]
    measured = f"{cached} x (median of rounds {mine['cached_over_floor_rounds']})"
    steady = mine["floor_steadiness"] >= STEADY
    if not steady:
        measured += (f"; not judged: the host was unsteady (the floor's slowest round at "
                     f"{mine['floor_steadiness']} of its fastest, under {STEADY})")  # fmt: skip
    checks = [
        (f"Cached GET ≥ {CACHED_TARGET} x floor (aim {CACHED_AIM})", measured,
         steady and cached >= CACHED_TARGET and mine["errors"] == 0),
    ]  # fmt: skip
    for latency in LATENCIES:
        added, proxy = mine[f"added_p50_ms_{latency}"], mine[f"proxy_added_p50_ms_{latency}"]
        checks.append((
            f"Uncached ({latency} ms upstream): service adds ≤ {ADDED_TARGET} x what a bare "
            "aiohttp proxy adds at p50",
            f"{added} ms against {proxy} ms"
            + (f" ({round(added / proxy, 2)} x)" if proxy > 0 else ""),
            added <= ADDED_TARGET * proxy and mine[f"uncached_errors_{latency}"] == 0,
        ))  # fmt: skip
    return [
        *checks,
        ("1,000 access URLs in one bulk request: 10 upstream calls",
         f"{access['upstream_calls_per_op']} calls", access["upstream_calls_per_op"] == 10),
        ("30,000-item bundle: 1 upstream call", f"{bundle['upstream_calls_per_op']} calls",
         bundle["upstream_calls_per_op"] == 1),
        ("30,000-item bundle: p50 < 300 ms", f"{bundle['p50_ms']} ms", bundle["p50_ms"] < 300),
        ("30,000-item bundle: bounded memory (service peak RSS)", f"{bundle['peak_rss_mb']} MB",
         bundle["peak_rss_mb"] < 200),
        ("1,000 concurrent connections: no errors, RSS < 200 MB",
         f"{held['errors']} errors, {held['peak_rss_mb']} MB",
         held["errors"] == 0 and held["peak_rss_mb"] < 200),
    ]  # fmt: skip


def _series(rows: list[dict[str, Any]], pattern: str, sizes: list[int]) -> list[dict[str, Any]]:
    return [_row(rows, pattern.format(size=size)) for size in sizes]


def write_plots(results: dict[str, Any], out: Path = DOCS) -> list[Path]:
    """Throughput and p50 latency against bulk size and against bundle size, as PNGs."""
    # Imported here: only `make bench` draws, and nothing else needs matplotlib.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["scenarios"]
    bulk_sizes = [1, 10, 100, 1000]
    bundle_sizes = [10, 1000, 10000, 30000]
    figures = {
        PLOTS[0]: (
            "Bulk requests",
            "ids in one bulk request",
            [
                ("bulk access", _series(rows, "bulk access x{size}", bulk_sizes)),
                (
                    "bulk objects (uncached)",
                    _series(rows, "bulk objects x{size} (uncached)", bulk_sizes),
                ),
            ],
            bulk_sizes,
        ),
        PLOTS[1]: (
            "Dataset bundles",
            "items in the Dataset",
            [("GET bundle", _series(rows, "bundle of {size} items", bundle_sizes))],
            bundle_sizes,
        ),
    }
    written = []
    for name, (title, xlabel, series, sizes) in figures.items():
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        for label, points in series:
            left.plot(sizes, [p["rps"] * size for p, size in zip(points, sizes, strict=True)],
                      marker="o", label=label)  # fmt: skip
            right.plot(sizes, [p["p50_ms"] for p in points], marker="o", label=f"{label} p50")
            right.plot(sizes, [p["p99_ms"] for p in points], marker=".", linestyle=":",
                       label=f"{label} p99")  # fmt: skip
        left.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="ids (items) per second",
                 title=f"{title}: throughput")  # fmt: skip
        right.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="latency, ms",
                  title=f"{title}: latency")  # fmt: skip
        for axes in (left, right):
            axes.grid(True, which="both", alpha=0.3)
            axes.legend(fontsize="small")
        fig.suptitle(f"{results['machine']['cpu']}, {results['machine']['cores']} cores, "
                     f"{results['machine']['date']}", fontsize="small")  # fmt: skip
        fig.tight_layout()
        path = out / name
        fig.savefig(path, dpi=100, metadata={"Software": None})
        plt.close(fig)
        written.append(path)
    return written


HEADER = [
    "# Benchmarks",
    "",
    "Generated by `make bench` (`python -m bench`) from `bench/results/latest.json`; do not",
    "edit by hand. Everything runs on loopback on one machine: the Synapse emulator (standing",
    "in for Synapse, its latency a parameter), the service (`python -m adapter`, one process),",
    "the floors (bare aiohttp apps, bench/floor.py) and the load generator, wrk (a C load",
    "generator, bench/wrk.py and bench/wrk.lua). Where a read's time goes, part by part:",
    "[performance.md](performance.md).",
    "",
]

METHOD = [
    "- The load generator is wrk with one thread. A Python (asyncio) client saturates before a",
    "  bare aiohttp server does and squeezes every ratio toward 1; wrk does not. Without wrk",
    "  the bench says how to install it (`apt-get install -y wrk`) and publishes nothing.",
    "- With two cores or more, wrk (and the harness driving it) runs on the first core and",
    "  every server on the others (`taskset -c`); each run records its pinning.",
    "- The service runs as deployed: INFO logging, one JSON access line per request (written",
    "  to stdout, which is /dev/null here), metrics on. The floors run on the service's event",
    "  loop; the other loop (uvloop, through `python -m bench.loops uvloop MODULE`, which",
    "  installs its policy before the module runs) is measured beside it: the A/B below.",
    "- Compared rows run in alternating rounds (floor, service, floor, service, ... and both",
    "  loops in each round). Each ratio or difference is taken within a round, and the median",
    "  over rounds is published, with every round shown. Seven rounds unless `--rounds` says",
    "  otherwise: on a shared machine one round's cached ratio can land 0.15 either side of",
    "  the median (the rounds below show how far), and a median of three moves with one of them.",
    "- The floor does the same work in every round, so its spread is the host's steadiness,",
    "  printed under the cached table. When the floor's slowest round runs at under half its",
    "  fastest, the cached target is not judged on that run (a slow host slows the floor more",
    "  than the service and lifts the ratio); its figures are still published.",
    "- Cached GET and floor: wrk's rate over a fixed time with a fixed number of connections,",
    "  after a second of warm-up (unrecorded) against each server.",
    "- Uncached reads: wrk with one connection (x3: three), each request to the service for an",
    "  id it was never asked for (a Lua `request()` hands out pre-built requests in turn;",
    "  the emulator and the proxy floor cache nothing and reuse one set), stopped after a count",
    "  of responses; percentiles from wrk's latency distribution (`--latency`). One",
    "  connection is one request at a time: each starts when the previous is answered, so",
    "  the latency is the servers' own, unqueued, and wrk expresses it without the Python",
    "  timing loop. The emulator's bundle2 is timed directly the same way in the same round;",
    "  what the service and the bare aiohttp proxy add is their p50 minus that one.",
    "- Runs stopped after a count of responses (uncached, bulk, bundle rows) report a rate of",
    "  connections ÷ mean latency (a closed loop's rate, Little's law): wrk times its whole",
    "  run, not the part before the stop.",
]


def _method(results: dict[str, Any]) -> list[str]:
    method, machine = results["method"], results["machine"]
    pin = method["pinning"]
    pinned = (
        f"wrk on CPU {', '.join(map(str, pin['load_generator_cpus']))}, the servers on CPU "
        f"{', '.join(map(str, pin['server_cpus']))} (`taskset -c`)"
        if pin else "not pinned (fewer than two cores, or no taskset)"
    )  # fmt: skip
    ab = ", ".join(method["ab_loops"]) or "none"
    return [
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, "
        f"{machine['platform']}; run on {machine['date']} in {results.get('run_seconds', '?')} s.",
        f"- Load generator: {method['load_generator']}, {method['wrk_threads']} thread.",
        f"- Pinning: {pinned}.",
        f"- Service: log level {method['log_level']}, access log {method['access_log']}, "
        f"metrics {method['metrics']}; event loop {method['loop']} (floors too); A/B loop: {ab}.",
        f"- Rounds: {method['rounds']}; cached GET and floor: {method['throughput_connections']} "
        f"connections, {method['throughput_seconds']} s a run; uncached: "
        + ", ".join(f"{n} requests a run at {ms} ms upstream"
                    for ms, n in method["uncached_requests"].items()) + ".",
    ]  # fmt: skip


def _rounds_tables(results: dict[str, Any], found: dict[str, dict[str, Any]]) -> list[str]:
    rows = results["scenarios"]
    deployed = loops(results)[0]
    lines = [
        "## Cached GET against the floor, every round",
        "",
        "| Event loop | Round | Floor req/s | Cached GET req/s | Cached ÷ floor |",
        "|---|---|---|---|---|",
    ]
    for loop, figures in found.items():
        floor = _row(rows, _named("floor (bare aiohttp)", loop, deployed))["rounds"]
        cached = _row(rows, _named("cached GET /objects", loop, deployed))["rounds"]
        for number, (f, c, ratio) in enumerate(
            zip(floor, cached, figures["cached_over_floor_rounds"], strict=True), 1
        ):
            lines.append(f"| {loop} | {number} | {f['rps']} | {c['rps']} | {ratio} |")
        lines.append(f"| {loop} | **median** | {figures['floor_rps']} | "
                     f"{figures['cached_rps']} | **{figures['cached_over_floor']}** |")  # fmt: skip
    lines += ["", *_steadiness(found)]
    lines += [
        "",
        "## Uncached reads, every round",
        "",
        "p50 in ms, one request at a time; added = p50 minus the upstream's p50 of the same round.",
        "",
        "| Upstream latency | Event loop | Round | Upstream p50 | Proxy floor p50 (added) "
        "| Service p50 (added) | Service added ÷ proxy added |",
        "|---|---|---|---|---|---|---|",
    ]
    for latency in LATENCIES:
        upstream = _row(rows, f"upstream bundle2 direct ({latency} ms)")["rounds"]
        for loop, figures in found.items():
            proxy = _row(rows, _named(f"proxy floor, bare aiohttp ({latency} ms)", loop,
                                      deployed))["rounds"]  # fmt: skip
            service = _row(rows, _named(f"uncached GET /objects ({latency} ms)", loop,
                                        deployed))["rounds"]  # fmt: skip
            added = figures[f"added_p50_ms_{latency}_rounds"]
            proxy_added = figures[f"proxy_added_p50_ms_{latency}_rounds"]
            for number, (u, p, s, pa, sa) in enumerate(
                zip(upstream, proxy, service, proxy_added, added, strict=True), 1
            ):
                share = round(sa / pa, 2) if pa > 0 else "-"
                lines.append(
                    f"| {latency} ms | {loop} | {number} | {u['p50_ms']} | "
                    f"{p['p50_ms']} ({pa}) | {s['p50_ms']} ({sa}) | {share} |"
                )
            med_added = figures[f"added_p50_ms_{latency}"]
            med_proxy = figures[f"proxy_added_p50_ms_{latency}"]
            share = round(med_added / med_proxy, 2) if med_proxy > 0 else "-"
            lines.append(f"| {latency} ms | {loop} | **median** | | ({med_proxy}) | "
                         f"({med_added}) | **{share}** |")  # fmt: skip
    return [*lines, ""]


def _steadiness(found: dict[str, dict[str, Any]]) -> list[str]:
    """How steady the host was: the floor does the same work every round, so the spread of
    its rate is the machine's, and a round far from the others says more about the host
    than about the service."""
    spans = []
    for loop, figures in found.items():
        slowest, fastest = figures["floor_rps_span"]
        spans.append(f"{loop} {slowest} to {fastest} req/s (the slowest round at "
                     f"{figures['floor_steadiness']} of the fastest)")  # fmt: skip
    return [
        "The floor does the same work in every round, so the spread of its rate is the",
        f"host's own: {'; '.join(spans)}.",
    ]


def _ab(found: dict[str, dict[str, Any]]) -> list[str]:
    if len(found) < 2:
        return []
    names = list(found)
    lines = [
        "## Event loop A/B",
        "",
        "The service and the floors on each event loop, in the same rounds (medians). The",
        "service adopts another loop only if it wins here.",
        "",
        f"| Figure | {' | '.join(names)} | {names[1]} ÷ {names[0]} |",
        f"|---|{'---|' * (len(names) + 1)}",
    ]
    figures = [
        ("Floor req/s", "floor_rps"),
        ("Cached GET req/s", "cached_rps"),
        ("Cached GET ÷ floor", "cached_over_floor"),
        *((f"Uncached, {ms} ms upstream: service adds (ms, p50)", f"added_p50_ms_{ms}")
          for ms in LATENCIES),
        *((f"Uncached, {ms} ms upstream: bare proxy adds (ms, p50)", f"proxy_added_p50_ms_{ms}")
          for ms in LATENCIES),
    ]  # fmt: skip
    for label, key in figures:
        first, second = found[names[0]][key], found[names[1]][key]
        share = round(second / first, 2) if first > 0 else "-"
        lines.append(f"| {label} | {' | '.join(str(found[n][key]) for n in names)} | {share} |")
    return [*lines, ""]


def _scenarios(results: dict[str, Any]) -> list[str]:
    lines = [
        "## Scenarios",
        "",
        "Rows measured in rounds show the median of each figure, then every round's rate.",
        "",
        "| Scenario | Connections | Requests | Errors | req/s | p50 ms | p95 ms | p99 ms "
        "| Upstream calls / op | Service CPU s / 1,000 req | Service peak RSS MB | Rounds, req/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["scenarios"]:
        rounds = " / ".join(str(r["rps"]) for r in row.get("rounds", [])) or "-"
        lines.append(
            f"| {row['scenario']} | {row['concurrency']} | {row['requests']} | {row['errors']} "
            f"| {row['rps']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} "
            f"| {row.get('upstream_calls_per_op', '-')} | {row.get('cpu_s_per_1000', '-')} "
            f"| {row.get('peak_rss_mb', '-')} | {rounds} |"
        )
    held = results["connections_1000"]
    return [
        *lines,
        "",
        f"{held['connections']} connections open at once for {held['seconds']} s (wrk opens "
        f"them all at the start): {held['requests']} requests answered, {held['errors']} "
        f"errors, p99 {held['p99_ms']} ms, service peak RSS {held['peak_rss_mb']} MB.",
        "",
    ]


READING = [
    "## How to read this",
    "",
    "- The floor is a bare aiohttp app answering a fixed DrsObject body; the proxy floor a",
    "  bare aiohttp app that forwards each GET to the emulator's bundle2 and answers its",
    "  body (one server hop and one client call, nothing else), with no cookie jar, as the",
    "  service (a proxy of many callers' tokens must not hand Synapse's session cookie from",
    "  one caller to the next; so the emulator sets a new one on every answer to both).",
    "  Their CPU and RSS columns",
    "  are their own; the upstream rows have none; every other row's are the service's.",
    "- The uncached target compares what the service adds with what a bare aiohttp proxy adds",
    "  in the same run: a fixed number of milliseconds cannot be met on a small VM, where a",
    "  request after an idle gap (the 20 ms upstream) wakes cold processes, bare proxy too.",
    "- x3 rows: three at a time, one caller's limit toward Synapse, where requests also queue",
    "  behind each other in one process. When wrk stops after the count, up to two requests",
    "  are still on their way: their upstream calls are counted, their answers are not.",
    "- Bulk and bundle rows count one bulk request (or one bundle GET) as the operation;",
    "  the plots' throughput counts ids (items) per second. Bundles are read with caching",
    "  off (`cache_ttl_s = 0`), so every GET reads the Dataset from the emulator again.",
    "- Bulk objects of 1,000 ids would exceed Synapse's 600 requests a minute per user; the",
    "  emulator's throttle is off in this run.",
    "- `python -m bench --quick` checks the harness in under a minute (results to",
    "  bench/results/quick-*.json, docs untouched); `--no-ab` skips the other event loop.",
    "- Profiles: `python -m bench.profile cached|uncached|access|bundle` runs one scenario",
    "  with the service under pyinstrument and prints where its time went.",
    "",
]


def render(results: dict[str, Any] | None) -> str:
    """The doc's text: for a run's results, or (None) before any run is published."""
    if results is None:
        return "\n".join([
            *HEADER,
            "No run is published yet: `make bench`, on a quiet machine, writes the results",
            "here. How it measures:",
            "",
            *METHOD,
            "",
        ])  # fmt: skip
    found = ratios(results)
    return "\n".join([
        *HEADER,
        "## How it was measured",
        "",
        *_method(results),
        *METHOD,
        "",
        "## Targets",
        "",
        "| Target | Measured | Met |",
        "|---|---|---|",
        *(f"| {name} | {value} | {'yes' if met else 'no'} |"
          for name, value, met in targets(results, found)),
        "",
        *_rounds_tables(results, found),
        *_ab(found),
        *_scenarios(results),
        "## Plots",
        "",
        f"![Throughput and latency against bulk size]({PLOTS[0]})",
        "",
        f"![Throughput and latency against bundle size]({PLOTS[1]})",
        "",
        *READING,
    ])  # fmt: skip


def write_markdown(results: dict[str, Any] | None, doc: Path = DOC) -> None:
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(render(results))
