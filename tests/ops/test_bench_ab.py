"""bench/ab.py, the concurrent A/B, run for real on a tiny plan: it serves the named revision's
adapter/ beside the working tree's and the floor, and prints a CPU figure for each of them
(figures, not a verdict: speed is judged by benchmarks, never by tests); and the service it
starts from another checkout runs that checkout's code."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from bench import procs

ROOT = Path(__file__).resolve().parents[2]


def test_ab_measures_a_revision_beside_the_working_tree() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "bench.ab", "--rounds", "1", "--seconds", "1", "--reads", "20",
         "HEAD", "."],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-2000:]
    cached, uncached = shown.stdout.split("Uncached GET /objects")
    for name in ("floor", "HEAD", "."):
        figure = re.search(rf"^  {re.escape(name)} +(\d+\.\d)  rounds", cached, re.MULTILINE)
        assert figure is not None, shown.stdout
        assert float(figure.group(1)) > 0
    # Each service against the floor and the second against the first; the floor has no
    # uncached row (it caches nothing to miss).
    assert cached.count("floor / this") == 2
    assert cached.count("HEAD / this") == 1
    assert "floor" not in uncached
    assert uncached.count("HEAD / this") == 1


def test_a_service_started_from_another_checkout_serves_that_checkout(tmp_path: Path) -> None:
    """`start_service(source=...)` runs that tree's adapter/, not this checkout's (which the
    editable install and `python -m`'s working directory would otherwise import)."""
    tree = tmp_path / "other"
    shutil.copytree(ROOT / "adapter", tree / "adapter")
    shutil.copytree(ROOT / "config", tree / "config")
    routes = tree / "adapter" / "routes.py"
    served = routes.read_text()
    assert 'json_response({"status": "ok"})' in served
    routes.write_text(served.replace('json_response({"status": "ok"})',
                                     'json_response({"status": "other tree"})'))  # fmt: skip
    for source, status in ((tree, "other tree"), (None, "ok")):
        child = procs.start_service("http://127.0.0.1:9", source=source)
        try:
            with urllib.request.urlopen(f"{child.url}/healthz", timeout=10) as answer:  # noqa: S310
                assert json.loads(answer.read()) == {"status": status}
        finally:
            child.stop()
