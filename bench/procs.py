"""Child processes for a run: start on a free loopback port (pinned to the server cores when
the machine has two or more), wait, measure CPU and RSS, stop."""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Pinning:
    """The load generator on one core, every server on the others (`taskset -c`)."""

    load_generator: tuple[int, ...]
    servers: tuple[int, ...]

    def describe(self) -> dict[str, Any]:
        return {"tool": "taskset", "load_generator_cpus": list(self.load_generator),
                "server_cpus": list(self.servers)}  # fmt: skip


def plan_pinning() -> Pinning | None:
    """With two cores or more (of those this process may use) and taskset present: the first
    for the load generator, the rest for the servers. Otherwise None: nothing is pinned."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2 or shutil.which("taskset") is None:
        return None
    return Pinning((cores[0],), tuple(cores[1:]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Child:
    """One server process of the run."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    args: list[str],
    port: int,
    env: dict[str, str] | None = None,
    cpus: Pinning | None = None,
    cwd: Path | None = None,
) -> Child:
    """`python ARGS` (under `taskset -c <server cores>` when pinned), once it accepts on port.
    `cwd`: where it runs; `python -m` imports from there first (bench/ab.py serves another
    revision's adapter/ so)."""
    pin = ["taskset", "-c", ",".join(map(str, cpus.servers))] if cpus else []
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        [*pin, sys.executable, *args],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    child = Child(process, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(args)} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return child
        except OSError:
            time.sleep(0.05)
    child.stop()
    raise RuntimeError(f"{' '.join(args)} did not start")


def start_emulator(
    workdir: Path, *extra: str, cpus: Pinning | None = None
) -> tuple[Child, dict[str, Any]]:
    port = free_port()
    manifest_path = workdir / f"manifest-{port}.json"
    child = start(
        ["-m", "adapter.emulator", "--port", str(port), "--manifest", str(manifest_path),
         "--no-throttle", "--log-level", "WARNING", *extra],
        port, cpus=cpus,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not manifest_path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return child, json.loads(manifest_path.read_text())


def _under(loop: str, module: str) -> list[str]:
    """`-m module`, or `-m bench.loops uvloop module` for another event loop than asyncio's."""
    return ["-m", module] if loop == "asyncio" else ["-m", "bench.loops", loop, module]


def start_service(
    synapse_url: str,
    *,
    runner: tuple[str, ...] = (),
    loop: str = "asyncio",
    cpus: Pinning | None = None,
    source: Path | None = None,
    **settings: str,
) -> Child:
    """`python -m adapter` (under `runner`, a profiler's arguments, when given; under `loop`);
    `source`: a checkout whose adapter/ is served instead of this one's."""
    port = free_port()
    env = {
        "ADAPTER_PORT": str(port),
        "ADAPTER_METRICS_PORT": str(free_port()),  # each service its own, as each pod has
        "ADAPTER_SYNAPSE_URL": synapse_url,
        # As deployed: INFO, one access-log line per request, metrics on (always): the lines
        # are formatted and written, to stdout, which is /dev/null here.
        "ADAPTER_LOG_LEVEL": "INFO",
        **{f"ADAPTER_{name.upper()}": value for name, value in settings.items()},
    }
    if source is not None:
        # Its adapter/ first (the working directory of `python -m`), this bench beside it.
        env["PYTHONPATH"] = os.pathsep.join([str(source), str(Path(__file__).parents[1])])
    return start([*runner, *_under(loop, "adapter")], port, env, cpus, cwd=source)


def start_floor(
    upstream: str | None = None, *, loop: str = "asyncio", cpus: Pinning | None = None
) -> Child:
    """A floor (bench/floor.py) on the same event loop as the service it is compared with."""
    port = free_port()
    forward = ["--upstream", upstream] if upstream else []
    return start([*_under(loop, "bench.floor"), "--port", str(port), *forward], port, None, cpus)


def machine() -> dict[str, Any]:
    """Where the figures were taken: every results file says it the same way."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
