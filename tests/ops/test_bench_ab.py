"""bench/ab.py, the concurrent A/B, run for real on a tiny plan: it serves the named revision's
adapter/ beside the working tree's and the floor, and prints a CPU figure for each of them
(figures, not a verdict: speed is judged by benchmarks, never by tests)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
