"""The benchmark report: ratios and targets computed from a run's rows, the doc and its plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import report

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "latest.json"


def _row(name: str, rps: float, p50: float, **extra: Any) -> dict[str, Any]:
    return {"scenario": name, "concurrency": 1, "requests": 10, "rps": rps, "p50_ms": p50,
            "p95_ms": p50 * 1.5, "p99_ms": p50 * 2, **extra}  # fmt: skip


def _results() -> dict[str, Any]:
    rows = [_row("floor (bare aiohttp)", 10000, 2), _row("cached GET /objects", 6500, 3)]
    for latency in (0, 20):
        rows += [
            _row(f"upstream bundle2 direct ({latency} ms)", 100, latency + 0.5),
            _row(f"proxy floor, bare aiohttp ({latency} ms)", 90, latency + 1.0),
            _row(f"uncached GET /objects ({latency} ms)", 80, latency + 1.25),
            _row(f"upstream bundle2 direct ({latency} ms) x3", 200, latency + 0.75),
            _row(f"uncached GET /objects ({latency} ms) x3", 150, latency + 2.0),
        ]
    for size in (1, 10, 100, 1000):
        calls = max(1, size // 100)
        rows.append(_row(f"bulk access x{size}", 100 / size, size, upstream_calls_per_op=calls))
        rows.append(_row(f"bulk objects x{size} (uncached)", 50 / size, 2 * size))
    for size in (10, 1000, 10000, 30000):
        rows.append(_row(f"bundle of {size} items", 1000 / size, size / 150,
                         upstream_calls_per_op=1.0, peak_rss_mb=60 + size / 1000))  # fmt: skip
    machine = {"cpu": "Test CPU", "cores": 2, "python": "3.11.7", "platform": "Linux",
               "date": "2026-11-25T00:00:00Z"}  # fmt: skip
    return {"machine": machine, "scenarios": rows,
            "connections_1000": {"ok": 3000, "errors": 0, "peak_rss_mb": 90.0}}  # fmt: skip


def test_ratios_are_computed_from_rows_of_one_run() -> None:
    found = report.ratios(_results())
    assert found["cached_over_floor"] == 0.65
    assert found["added_p50_ms_0"] == 0.75
    assert found["proxy_added_p50_ms_0"] == 0.5
    assert found["added_p50_ms_20_x3"] == 1.25


def test_targets_say_which_are_met() -> None:
    results = _results()
    met = {name: ok for name, _, ok in report.targets(results, report.ratios(results))}
    assert met["Cached GET ≥ 0.6 x floor"] is True
    assert met["Uncached: service adds ≤ 1 ms at p50 (20 ms upstream)"] is True
    assert met["30,000-item bundle: p50 < 300 ms"] is True  # 200 ms in these rows
    results["scenarios"][1]["rps"] = 5000  # cached at half the floor
    met = {name: ok for name, _, ok in report.targets(results, report.ratios(results))}
    assert met["Cached GET ≥ 0.6 x floor"] is False


def test_markdown_and_plots_are_written(tmp_path: Path) -> None:
    results = _results()
    report.write_markdown(results, tmp_path / "benchmarks.md")
    text = (tmp_path / "benchmarks.md").read_text()
    assert "| Cached GET ≥ 0.6 x floor | 0.65 x | yes |" in text
    assert "Machine: Test CPU, 2 cores" in text
    for name in report.PLOTS:
        assert f"]({name})" in text
    written = report.write_plots(results, tmp_path)
    assert [path.name for path in written] == list(report.PLOTS)
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 10_000


def test_published_doc_is_generated_from_the_published_results(tmp_path: Path) -> None:
    results = json.loads(RESULTS.read_text())
    report.write_markdown(results, tmp_path / "benchmarks.md")
    assert (tmp_path / "benchmarks.md").read_text() == report.DOC.read_text()
    for name in report.PLOTS:
        assert (report.DOCS / name).is_file()
