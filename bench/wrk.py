"""wrk, the load generator: found on PATH, run pinned to its own core, its figures read back.

wrk is a C load generator: unlike an asyncio client it does not saturate before the servers
it measures, so a ratio between two servers is the servers' ratio. Every run goes through
bench/wrk.lua, which prints one JSON line of figures at the end (and, for a run that stops
after a count of responses, a line when it has stopped: wrk would otherwise sleep out its
whole duration, so the harness interrupts it with SIGINT, after which wrk reports as usual).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
INSTALL = (
    "wrk is not installed, so the bench cannot measure throughput and publishes no ratios.\n"
    "Install it (Debian, as root): apt-get update && apt-get install -y wrk\n"
)


@dataclass(frozen=True)
class Tool:
    """The wrk binary, its version line, and the cores it runs on (None: not pinned)."""

    path: str
    version: str
    cpus: tuple[int, ...] | None

    def command(self) -> list[str]:
        if self.cpus is None:
            return [self.path]
        return ["taskset", "-c", ",".join(map(str, self.cpus)), self.path]


def find(cpus: tuple[int, ...] | None) -> Tool | None:
    """wrk on PATH, or None."""
    path = shutil.which("wrk")
    if path is None:
        return None
    # `wrk -v` prints its version line (and usage) and exits non-zero.
    shown = subprocess.run([path, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    version = (shown.stdout or shown.stderr).splitlines()[0].strip()
    return Tool(path, version, cpus)


@dataclass
class Result:
    """One wrk run: what came back, and the latency distribution in milliseconds."""

    requests: int
    seconds: float
    errors: dict[str, int]
    latency_ms: dict[str, float]
    connections: int
    stopped: bool

    @property
    def rps(self) -> float:
        """Requests a second. A run stopped after a count of responses has no meaningful
        duration (wrk times its whole -d), so its rate is the closed loop's: connections over
        the mean latency (Little's law; wrk adds next to nothing between two requests)."""
        if self.stopped:
            mean_s = self.latency_ms["mean"] / 1000
            return self.connections / mean_s if mean_s else 0.0
        return self.requests / self.seconds if self.seconds else 0.0

    def figures(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": sum(self.errors.values()),
            "non_2xx": self.errors["status"],
            "rps": round(self.rps, 1),
            "p50_ms": self.latency_ms["50"],
            "p95_ms": self.latency_ms["95"],
            "p99_ms": self.latency_ms["99"],
            "mean_ms": self.latency_ms["mean"],
        }


def _parse(line: str, connections: int, stopped: bool) -> Result:
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    latency = raw["latency_us"]
    ms = {p: round(v / 1000, 3) for p, v in latency["percentiles"].items()}
    ms |= {"mean": round(latency["mean"] / 1000, 3), "max": round(latency["max"] / 1000, 3)}
    return Result(
        raw["requests"], raw["duration_us"] / 1e6, raw["errors"], ms, connections, stopped
    )


def run(
    tool: Tool,
    url: str,
    *,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    body: Any = None,
    requests: Sequence[tuple[str, Any]] | None = None,
    stop_after: int | None = None,
) -> Result:
    """Load `url` with one wrk thread and `connections` connections for `seconds` (at most,
    with `stop_after`). `requests`: (path, JSON body or None) pairs sent in turn, instead of
    `url`'s path over and over; `body`: one JSON body for every request."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        env = {**os.environ}
        for name in ("BENCH_METHOD", "BENCH_BODY_FILE", "BENCH_REQUESTS_FILE", "BENCH_STOP_AFTER"):
            env.pop(name, None)
        if method:
            env["BENCH_METHOD"] = method
        if body is not None:
            body_file = Path(tmp) / "body.json"
            body_file.write_text(json.dumps(body))
            env["BENCH_BODY_FILE"] = str(body_file)
        if requests is not None:
            lines = [
                path if payload is None else f"{path}\t{json.dumps(payload)}"
                for path, payload in requests
            ]
            requests_file = Path(tmp) / "requests.txt"
            requests_file.write_text("\n".join(lines) + "\n")
            env["BENCH_REQUESTS_FILE"] = str(requests_file)
        if stop_after is not None:
            env["BENCH_STOP_AFTER"] = str(stop_after)
        header_args = [arg for k, v in (headers or {}).items() for arg in ("-H", f"{k}: {v}")]
        command = [
            *tool.command(),
            "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
            "--latency", "-s", str(SCRIPT), *header_args, url,
        ]  # fmt: skip
        return _watch(command, env, connections, stop_after is not None, seconds)


def _watch(
    command: list[str], env: dict[str, str], connections: int, stopping: bool, seconds: float
) -> Result:
    process = subprocess.Popen(  # noqa: S603 - wrk, found on PATH, with our arguments
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    found: str | None = None
    for line in process.stdout:
        if line.startswith("BENCH_STOPPED"):
            process.send_signal(signal.SIGINT)
        elif line.startswith("BENCH_JSON "):
            found = line
    _, stderr = process.communicate(timeout=seconds + 60)
    if found is None:
        raise RuntimeError(f"wrk gave no figures (exit {process.returncode}): {stderr.strip()}")
    return _parse(found, connections, stopping)
