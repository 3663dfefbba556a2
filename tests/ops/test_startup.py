"""Start-up as an operator meets it: the real entry point run as a process, its exit status and
exactly what it prints when a setting is wrong, a port is taken, or it is asked for help."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.test_process import wait_serving
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("synapse-drs-adapter")
PROG = "synapse-drs-adapter: "
PASSWORD = "redis-password-never-logged"


@dataclass
class Exited:
    status: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stderr.splitlines()


def _env(**settings: str) -> dict[str, str]:
    """A clean environment: PATH only, then the given ADAPTER_* settings."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **settings}


async def _run(*argv: str, env: dict[str, str] | None = None) -> Exited:
    """Run a command that must end by itself (an error or --help), and what it printed."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env or _env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return Exited(process.returncode, stdout.decode(), stderr.decode())


def _module(*args: str, **settings: str) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-m", "adapter", *args], _env(**settings)


def _assert_no_traceback(exited: Exited) -> None:
    for stream in (exited.stdout, exited.stderr):
        assert "Traceback" not in stream
        assert "Unclosed" not in stream


@asynccontextmanager
async def _serving(**settings: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, int, int]]:
    """`python -m adapter` serving on free loopback ports; stopped with SIGTERM afterwards."""
    port, metrics_port = free_port(), free_port()
    argv, env = _module(ADAPTER_PORT=str(port), ADAPTER_METRICS_PORT=str(metrics_port), **settings)
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await wait_serving(port)
        await wait_serving(metrics_port, "/metrics")
        yield process, port, metrics_port
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


# ---- settings ----


@pytest.mark.parametrize("level", ["info", "Debug", "WARNING"])
async def test_log_level_is_accepted_in_any_case(level: str) -> None:
    """ADAPTER_LOG_LEVEL=info starts the service as INFO does, and its lines say that level."""
    async with (
        _serving(ADAPTER_LOG_LEVEL=level) as (process, port, _metrics),
        ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as answer,
    ):
        assert answer.status == 200
    assert process.returncode == 0
    assert process.stdout is not None
    lines = [json.loads(line) for line in (await process.stdout.read()).decode().splitlines()]
    if level.upper() == "WARNING":
        assert [line for line in lines if line["level"] == "info"] == []
    else:
        assert any(line["event"] == "starting" for line in lines)


async def test_start_up_objects_are_left_out_of_garbage_collection() -> None:
    """Once serving, what start-up made is frozen (gc.freeze): the `serving` line says how
    many objects no collection walks again."""
    async with _serving() as (process, _port, _metrics):
        pass
    assert process.stdout is not None
    lines = [json.loads(line) for line in (await process.stdout.read()).decode().splitlines()]
    serving = [line for line in lines if line["event"] == "serving"]
    assert len(serving) == 1
    assert serving[0]["frozen_objects"] > 10_000  # modules, schemas, the app: tens of thousands


async def test_each_bad_setting_is_one_line_naming_its_variable_and_exit_2() -> None:
    """Three bad settings: three lines on stderr, each naming the ADAPTER_* variable, what is
    wrong and the value given; exit status 2; nothing on stdout and no traceback."""
    argv, env = _module(
        ADAPTER_PORT="not-a-port",
        ADAPTER_LOG_LEVEL="loud",
        ADAPTER_CACHE_TTL_S="-1",
    )
    exited = await _run(*argv, env=env)
    assert exited.status == 2
    assert exited.stdout == ""
    _assert_no_traceback(exited)
    assert sorted(exited.lines) == [
        f"{PROG}ADAPTER_CACHE_TTL_S: Input should be greater than or equal to 0 (got '-1')",
        f"{PROG}ADAPTER_LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or "
        "'CRITICAL' (got 'LOUD')",
        f"{PROG}ADAPTER_PORT: Input should be a valid integer, unable to parse string as an "
        "integer (got 'not-a-port')",
    ]


async def test_a_list_that_is_not_json_and_a_port_clash_are_one_line_each() -> None:
    """A list setting that is not JSON names its variable and says lists are JSON; the metrics
    port equal to the service port names both settings."""
    argv, env = _module(ADAPTER_CORS_ALLOW_ORIGINS="https://app.example.org")
    exited = await _run(*argv, env=env)
    assert exited.status == 2
    assert exited.lines == [
        f"{PROG}ADAPTER_CORS_ALLOW_ORIGINS: cannot be read; lists and objects are written as JSON"
    ]
    argv, env = _module(ADAPTER_PORT="9100", ADAPTER_METRICS_PORT="9100")
    exited = await _run(*argv, env=env)
    assert exited.status == 2
    assert exited.lines == [
        f"{PROG}ADAPTER_METRICS_PORT: must differ from the service's port (ADAPTER_PORT=9100)"
        " (got '9100')"
    ]
    _assert_no_traceback(exited)


# ---- ports ----


@pytest.mark.parametrize("taken", ["ADAPTER_PORT", "ADAPTER_METRICS_PORT"])
async def test_a_port_in_use_is_one_line_naming_the_address_and_setting(taken: str) -> None:
    """Another process listens on the port: one line with the address and the setting to
    change, a non-zero exit, no traceback and no unclosed client session."""
    with socket.create_server(("127.0.0.1", 0)) as holder:
        busy = holder.getsockname()[1]
        other = "ADAPTER_METRICS_PORT" if taken == "ADAPTER_PORT" else "ADAPTER_PORT"
        argv, env = _module(**{taken: str(busy), other: str(free_port())})
        exited = await _run(*argv, env=env)
    assert exited.status == 1
    _assert_no_traceback(exited)
    assert exited.lines == [
        f"{PROG}cannot listen on 127.0.0.1:{busy}: address already in use; "
        f"set {taken} to a free port or ADAPTER_HOST to another address"
    ]
    assert exited.stdout == ""  # it stopped before logging that it was starting


async def test_metrics_are_served_on_their_own_port_only() -> None:
    """ADAPTER_METRICS_PORT serves GET /metrics with the service's drs_* metrics, the standard
    process_* and python_* collectors and drs_build_info; the public port has no /metrics."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    async with _serving() as (_process, port, metrics_port), ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/metrics") as public:
            assert public.status == 404
            assert (await public.json())["status_code"] == 404
        async with session.get(f"http://127.0.0.1:{metrics_port}/metrics") as scraped:
            assert scraped.status == 200
            assert scraped.headers["Content-Type"].startswith("text/plain")
            text = await scraped.text()
    samples = {
        sample.name: sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples["drs_build_info"].labels == {"version": project["version"]}
    assert samples["process_cpu_seconds_total"].value > 0
    assert samples["process_resident_memory_bytes"].value > 0
    assert samples["python_info"].labels["implementation"] == "CPython"
    assert "python_gc_collections_total" in samples
    assert "drs_requests_in_flight" in samples
    answered = {
        (sample.labels["route"], sample.labels["status"])
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "drs_requests_total"
    }
    assert answered == {("/healthz", "200"), ("unmatched", "404")}  # the wait, then /metrics
    ours = {name for name in samples if not name.startswith(("process_", "python_"))}
    assert all(name.startswith("drs_") for name in ours), ours


# ---- arguments ----


@pytest.mark.parametrize("entry", ["module", "script"])
async def test_help_prints_usage_and_where_settings_come_from(entry: str) -> None:
    """`--help` (both entry points) prints usage, the sources of settings in order and every
    variable, then exits 0 without serving."""
    argv = [sys.executable, "-m", "adapter"] if entry == "module" else [str(SCRIPT)]
    exited = await _run(*argv, "--help")
    assert exited.status == 0
    text = exited.stdout
    assert text.startswith("usage: synapse-drs-adapter")
    assert "--version" in text
    sources = [
        text.find("environment variables ADAPTER_"),
        text.find("config/default.toml"),
        text.find("defaults built into"),
    ]
    assert -1 not in sources
    assert sources == sorted(sources)
    assert "docs/configuration.md" in text
    for variable in ("ADAPTER_PORT", "ADAPTER_METRICS_PORT", "ADAPTER_SYNAPSE_METADATA_TOKEN"):
        assert f"  {variable}\n" in text


@pytest.mark.parametrize("entry", ["module", "script"])
async def test_version_prints_the_package_version(entry: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    argv = [sys.executable, "-m", "adapter"] if entry == "module" else [str(SCRIPT)]
    exited = await _run(*argv, "--version")
    assert exited.status == 0
    assert exited.stdout == f"synapse-drs-adapter {project['version']}\n"


async def test_an_unknown_argument_is_a_usage_error() -> None:
    exited = await _run(sys.executable, "-m", "adapter", "--port", "9000")
    assert exited.status == 2
    assert exited.stderr.startswith("usage: synapse-drs-adapter")
    assert "unrecognized arguments: --port 9000" in exited.stderr


# ---- a shared cache without a salt ----


async def test_shared_cache_without_salt_warns_once_at_start() -> None:
    """With ADAPTER_CACHE_URL and no ADAPTER_CACHE_KEY_SALT the service says so once, as a
    WARNING, without logging the URL (its password); with a salt it says nothing."""
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    async with _serving(ADAPTER_CACHE_URL=url) as (unsalted, *_ports):
        pass
    async with _serving(ADAPTER_CACHE_URL=url, ADAPTER_CACHE_KEY_SALT="shared-salt") as (
        salted,
        *_ports,
    ):
        pass
    outputs = []
    for process in (unsalted, salted):
        assert process.stdout is not None
        assert process.stderr is not None
        text = (await process.stdout.read()).decode() + (await process.stderr.read()).decode()
        assert PASSWORD not in text
        outputs.append([json.loads(line) for line in text.splitlines()])
    warnings = [line for line in outputs[0] if line["event"] == "cache_key_salt_unset"]
    assert len(warnings) == 1
    assert warnings[0]["level"] == "warning"
    assert "ADAPTER_CACHE_KEY_SALT" in warnings[0]["detail"]
    assert [line for line in outputs[1] if line["event"] == "cache_key_salt_unset"] == []
