"""The benchmark report: ratios and targets computed from a run's rounds, the doc and its plots.

Rows are built the way the bench builds them: one row per round, combined by the bench's own
`combine` into the median row that keeps every round.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import report
from bench.__main__ import combine

LOOPS = ("asyncio", "uvloop")


def _round(name: str, loop: str, rps: float, p50: float, **extra: Any) -> dict[str, Any]:
    return {"scenario": name, "loop": loop, "concurrency": 1, "requests": 100, "errors": 0,
            "non_2xx": 0, "rps": rps, "p50_ms": p50, "p95_ms": p50 * 1.5, "p99_ms": p50 * 2,
            "mean_ms": p50, **extra}  # fmt: skip


def _rows(name: str, loop: str, rps: list[float], p50: list[float]) -> dict[str, Any]:
    """A scenario measured in rounds: one figure a round."""
    return combine([_round(name, loop, r, p) for r, p in zip(rps, p50, strict=True)])


def _name(scenario: str, loop: str) -> str:
    return scenario if loop == "asyncio" else f"{scenario} [{loop}]"


def _results() -> dict[str, Any]:
    rows = []
    for loop, speed in zip(LOOPS, (1.0, 1.2), strict=True):
        rows += [
            _rows(_name("floor (bare aiohttp)", loop), loop,
                  [10000 * speed, 8000 * speed, 12000 * speed], [2, 2, 2]),
            # Round ratios 0.65, 0.75, 0.5: their median is 0.65, while the ratio of the
            # medians would be 6000 / 10000 = 0.6.
            _rows(_name("cached GET /objects", loop), loop,
                  [6500 * speed, 6000 * speed, 6000 * speed], [3, 3, 3]),
        ]  # fmt: skip
    for latency in (0, 20):
        rows.append(_rows(f"upstream bundle2 direct ({latency} ms)", "asyncio", [100] * 3,
                          [latency + 0.5, latency + 0.6, latency + 0.5]))  # fmt: skip
        for loop in LOOPS:
            rows += [
                # Adds 0.5 ms in every round.
                _rows(_name(f"proxy floor, bare aiohttp ({latency} ms)", loop), loop, [90] * 3,
                      [latency + 1.0, latency + 1.1, latency + 1.0]),
                # Adds 0.6, 0.6 and 0.7 ms: median 0.6, within 1.25 x 0.5.
                _rows(_name(f"uncached GET /objects ({latency} ms)", loop), loop, [80] * 3,
                      [latency + 1.1, latency + 1.2, latency + 1.2]),
            ]  # fmt: skip
        rows += [
            _rows(f"upstream bundle2 direct ({latency} ms) x3", "asyncio", [200] * 3,
                  [latency + 0.75] * 3),
            _rows(f"uncached GET /objects ({latency} ms) x3", "asyncio", [150] * 3,
                  [latency + 2.0] * 3),
        ]  # fmt: skip
    for size in (1, 10, 100, 1000):
        calls = max(1, size // 100)
        rows.append(_round(f"bulk access x{size}", "asyncio", 100 / size, size,
                           upstream_calls_per_op=calls))  # fmt: skip
        rows.append(_round(f"bulk objects x{size} (uncached)", "asyncio", 50 / size, 2 * size))
    for size in (10, 1000, 10000, 30000):
        rows.append(_round(f"bundle of {size} items", "asyncio", 1000 / size, size / 150,
                           upstream_calls_per_op=1.0, peak_rss_mb=60 + size / 1000))  # fmt: skip
    machine = {"cpu": "Test CPU", "cores": 2, "python": "3.11.7", "platform": "Linux",
               "date": "2026-11-25T00:00:00Z"}  # fmt: skip
    method = {
        "load_generator": "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer",
        "wrk_threads": 1,
        "pinning": {"tool": "taskset", "load_generator_cpus": [0], "server_cpus": [1]},
        "log_level": "INFO", "access_log": "to /dev/null", "metrics": "on", "loop": "asyncio",
        "ab_loops": ["uvloop"], "rounds": 3, "throughput_connections": 32,
        "throughput_seconds": 3.0, "uncached_requests": {"0": 400, "20": 90}, "quick": False,
    }  # fmt: skip
    held = {"connections": 1000, "seconds": 3.0, "requests": 30000, "errors": 0, "rps": 10000,
            "p99_ms": 150.0, "peak_rss_mb": 90.0}  # fmt: skip
    return {"machine": machine, "method": method, "scenarios": rows, "connections_1000": held}


def _met(results: dict[str, Any]) -> dict[str, bool]:
    return {name: ok for name, _, ok in report.targets(results, report.ratios(results))}


def _scenario(results: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in results["scenarios"] if r["scenario"] == name)


CACHED = "Cached GET ≥ 0.6 x floor (aim 0.7)"
UNCACHED_20 = (
    "Uncached (20 ms upstream): service adds ≤ 1.25 x what a bare aiohttp proxy adds at p50"
)


def test_each_ratio_pairs_the_rows_of_one_round_and_publishes_the_median() -> None:
    found = report.ratios(_results())
    assert found["asyncio"]["cached_over_floor_rounds"] == [0.65, 0.75, 0.5]
    assert found["asyncio"]["cached_over_floor"] == 0.65
    assert found["asyncio"]["added_p50_ms_0_rounds"] == [0.6, 0.6, 0.7]
    assert found["asyncio"]["added_p50_ms_0"] == 0.6
    assert found["asyncio"]["proxy_added_p50_ms_20"] == 0.5
    assert found["asyncio"]["added_p50_ms_20_x3"] == 1.25
    # The other loop's figures come from its own rows.
    assert found["uvloop"]["floor_rps"] == 12000.0
    assert found["uvloop"]["cached_over_floor"] == 0.65


def test_targets_say_which_are_met() -> None:
    results = _results()
    met = _met(results)
    assert met[CACHED] is True
    assert met[UNCACHED_20] is True  # 0.6 ms against 1.25 x 0.5 ms
    assert met["30,000-item bundle: p50 < 300 ms"] is True  # 200 ms in these rows
    cached = _scenario(results, "cached GET /objects")
    cached["rounds"][0]["rps"] = 5000  # rounds now 0.5, 0.75, 0.5
    assert _met(results)[CACHED] is False
    service = _scenario(results, "uncached GET /objects (20 ms)")
    service["rounds"][0]["p50_ms"] = 21.3  # adds 0.8, 0.6, 0.7: median 0.7 > 0.625
    assert _met(results)[UNCACHED_20] is False


def test_the_cached_target_is_not_judged_on_a_run_whose_host_was_unsteady() -> None:
    results = _results()
    floor = _scenario(results, "floor (bare aiohttp)")
    floor["rounds"][1]["rps"] = 5000  # the slowest round at 5000 / 12000 of the fastest
    cached = _scenario(results, "cached GET /objects")
    cached["rounds"][1]["rps"] = 4000  # that round's ratio 0.8: the median stays 0.65
    found = report.ratios(results)
    assert found["asyncio"]["floor_steadiness"] == 0.42
    assert found["asyncio"]["cached_over_floor"] == 0.65
    checks = {name: (measured, ok) for name, measured, ok in report.targets(results, found)}
    measured, ok = checks[CACHED]
    assert ok is False
    assert "not judged: the host was unsteady (the floor's slowest round at 0.42" in measured


def test_a_ratio_over_failed_requests_meets_no_target() -> None:
    results = _results()
    _scenario(results, "cached GET /objects")["errors"] = 12
    _scenario(results, "proxy floor, bare aiohttp (20 ms)")["errors"] = 1
    met = _met(results)
    assert met[CACHED] is False
    assert met[UNCACHED_20] is False


def test_the_doc_says_how_it_was_measured_and_shows_every_round(tmp_path: Path) -> None:
    results = _results()
    report.write_markdown(results, tmp_path / "benchmarks.md")
    text = (tmp_path / "benchmarks.md").read_text()
    assert f"| {CACHED} | 0.65 x (median of rounds [0.65, 0.75, 0.5]) | yes |" in text
    assert "- Load generator: wrk debian/4.1.0-3+b2" in text
    assert "- Pinning: wrk on CPU 0, the servers on CPU 1 (`taskset -c`)." in text
    assert "log level INFO" in text
    assert "metrics on" in text
    assert "- Rounds: 3;" in text
    assert "Machine: Test CPU, 2 cores" in text
    for line in (
        "| asyncio | 1 | 10000.0 | 6500.0 | 0.65 |",
        "| asyncio | 2 | 8000.0 | 6000.0 | 0.75 |",
        "| asyncio | 3 | 12000.0 | 6000.0 | 0.5 |",
        "| asyncio | **median** | 10000.0 | 6000.0 | **0.65** |",
        "| 20 ms | asyncio | 3 | 20.5 | 21.0 (0.5) | 21.2 (0.7) | 1.4 |",
    ):
        assert line in text  # fmt: skip
    # The floor's spread across rounds: the host's steadiness during the run.
    assert "asyncio 8000.0 to 12000.0 req/s (the slowest round at 0.67 of the fastest)" in text
    assert "| Cached GET ÷ floor | 0.65 | 0.65 | 1.0 |" in text  # the A/B table, both loops
    assert "| Floor req/s | 10000.0 | 12000.0 | 1.2 |" in text
    for name in report.PLOTS:
        assert f"]({name})" in text
    written = report.write_plots(results, tmp_path)
    assert [path.name for path in written] == list(report.PLOTS)
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 10_000


def test_without_a_run_the_doc_publishes_no_figure() -> None:
    text = report.render(None)
    assert "No run is published yet" in text
    assert "wrk" in text
    assert "taskset" in text
    assert "## Targets" not in text
    assert " x floor" not in text


def test_published_doc_is_generated_from_the_published_results() -> None:
    results = report.published()
    assert report.DOC.read_text() == report.render(results)
    if results is not None:
        assert results["method"]["load_generator"].startswith("wrk")
        assert results["method"]["quick"] is False
        for name in report.PLOTS:
            assert (report.DOCS / name).is_file()
