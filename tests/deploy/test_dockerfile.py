"""The Dockerfile's invariants, read from its text (no Docker engine here), and its health check
run for real against the service."""

from __future__ import annotations

import asyncio
import fnmatch
import os
import re
import sys
from pathlib import Path, PurePosixPath

import pytest
from aiohttp.test_utils import TestServer

import adapter.settings
from tests.deploy.chart import ROOT
from tests.deploy.dockerfile import DOCKERIGNORE, Instruction, Stage, read_stages, stages

SLIM_PYTHON_311 = re.compile(r"^python:3\.11(\.\d+)?-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?$")
BUILD_TOOLS = re.compile(
    r"\b(build-essential|gcc|g\+\+|clang|cmake|make|python3?-dev|libc6?-dev|cargo|rustc)\b"
)
# The final image's interpreter and where pip installs into it (the python:3.11-slim layout).
IMAGE_SITE_PACKAGES = PurePosixPath("/usr/local/lib/python3.11/site-packages")


@pytest.fixture(scope="module")
def all_stages() -> list[Stage]:
    return read_stages()


@pytest.fixture(scope="module")
def final(all_stages: list[Stage]) -> Stage:
    return all_stages[-1]


def _last(stage: Stage, keyword: str) -> Instruction:
    found = stage.all(keyword)
    assert found, f"the final stage has no {keyword}"
    return found[-1]


def _env(stage: Stage) -> dict[str, str]:
    """ENV key=value pairs of a stage (the `ENV a=1 b=2` form)."""
    pairs: dict[str, str] = {}
    for instruction in stage.all("ENV"):
        for match in re.finditer(r'(\w+)=("[^"]*"|\S+)', instruction.args):
            pairs[match.group(1)] = match.group(2).strip('"')
    return pairs


def test_reader_joins_continuations_and_skips_comments() -> None:
    """The Dockerfile reader sees `RUN a \\ (comment) b` as one instruction, by stage."""
    text = "# syntax=docker/dockerfile:1\nFROM x AS one\nRUN a \\\n  # note\n  b\nFROM y\nUSER 1\n"
    parsed = stages(text)
    assert [(s.base, s.name) for s in parsed] == [("x", "one"), ("y", None)]
    assert parsed[0].instructions == [Instruction("RUN", "a b", 3)]
    assert parsed[1].instructions == [Instruction("USER", "1", 7)]


def test_build_is_multi_stage_on_slim_python_311(all_stages: list[Stage]) -> None:
    """More than one FROM, and every stage starts from a slim Python 3.11 image."""
    assert len(all_stages) >= 2
    for stage in all_stages:
        assert SLIM_PYTHON_311.match(stage.base), stage.base


def test_final_stage_runs_as_a_numeric_non_root_user(final: Stage) -> None:
    """The image's USER is numeric (uid[:gid]), neither id 0, so runAsNonRoot can verify it."""
    user = _last(final, "USER").args
    assert re.fullmatch(r"\d+(:\d+)?", user), user
    assert all(int(part) != 0 for part in user.split(":"))


def test_final_stage_has_no_build_tools(final: Stage) -> None:
    """No compiler or build package is installed in (or copied into) the final stage."""
    for instruction in final.instructions:
        if instruction.keyword in {"RUN", "COPY", "ADD"}:
            assert not BUILD_TOOLS.search(instruction.args), instruction
    assert not any("apt-get install" in i.args for i in final.all("RUN"))


def test_dependencies_are_installed_before_the_source_in_both_stages(
    all_stages: list[Stage], final: Stage
) -> None:
    """Dependency layers come before any layer that changes with adapter/: edits reuse them."""
    builder = all_stages[0]
    pyproject = builder.index("pyproject.toml", "COPY")
    dep_wheels = builder.index("-r requirements.txt", "RUN")
    source = builder.index("adapter/", "COPY")
    assert 0 <= pyproject < dep_wheels < source

    dep_install = final.index("/wheels/deps", "RUN")
    assert dep_install >= 0
    assert "pip install" in final.instructions[dep_install].args
    source_layers = [
        final.index("/wheels/app", "RUN"),
        final.index("adapter/", "COPY"),
        final.index("config/", "COPY"),
    ]
    assert any(position >= 0 for position in source_layers)
    assert all(dep_install < position for position in source_layers if position >= 0)


def test_image_listens_on_all_interfaces_on_port_8080(final: Stage) -> None:
    """ENV ADAPTER_HOST=0.0.0.0 (the settings default is loopback) and EXPOSE 8080."""
    assert _env(final)["ADAPTER_HOST"] == "0.0.0.0"  # noqa: S104 - the container must listen beyond loopback
    assert "8080" in _last(final, "EXPOSE").args.split()


def test_entry_point_is_python_m_adapter(final: Stage) -> None:
    """The container runs `python -m adapter` (exec form, so it gets SIGTERM itself)."""
    entrypoint = _last(final, "ENTRYPOINT").exec_form() if final.all("ENTRYPOINT") else []
    cmd = _last(final, "CMD").exec_form() if final.all("CMD") else []
    assert entrypoint is not None, "ENTRYPOINT must use the exec form"
    assert cmd is not None, "CMD must use the exec form"
    assert (entrypoint + cmd)[:3] == ["python", "-m", "adapter"]


def test_config_lands_where_settings_look_for_it(final: Stage) -> None:
    """config/ is copied beside the installed package, where Settings reads default.toml."""
    copies = [i.args.split() for i in final.all("COPY") if i.args.split()[0] == "config/"]
    assert len(copies) == 1
    destination = PurePosixPath(copies[0][-1])
    # settings.py reads <package dir>/../config/default.toml; the package is in site-packages.
    package_dir = Path(adapter.settings.__file__).resolve().parent
    assert package_dir.parent / "config" / "default.toml" == adapter.settings.DEFAULT_CONFIG_FILE
    assert destination == IMAGE_SITE_PACKAGES / "config"
    assert (ROOT / "config" / "default.toml").is_file()


def test_every_copied_path_exists_and_is_not_docker_ignored(all_stages: list[Stage]) -> None:
    """What the build COPYs from the context exists and is not excluded by .dockerignore."""
    patterns = [
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for stage in all_stages:
        for instruction in stage.all("COPY"):
            if instruction.args.startswith("--from"):
                continue
            *sources, _destination = instruction.args.split()
            for source in sources:
                name = source.rstrip("/")
                assert (ROOT / name).exists(), source
                assert not any(fnmatch.fnmatch(name, p) for p in patterns), source


@pytest.mark.parametrize(
    "excluded", [".venv", ".git", ".mypy_cache", ".pytest_cache", "tests", "bench"]
)
def test_dockerignore_keeps_dev_files_out_of_the_context(excluded: str) -> None:
    """The build context leaves out the virtualenv, git history, caches, tests and benchmarks."""
    patterns = [line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()]
    assert excluded in patterns


def test_healthcheck_uses_python_to_ask_healthz(final: Stage) -> None:
    """HEALTHCHECK runs python's urllib against /healthz (slim images have no curl)."""
    command = _last(final, "HEALTHCHECK").exec_form()
    assert command is not None
    assert command[:2] == ["python", "-c"]
    assert "/healthz" in command[2]
    assert "urllib" in command[2]


async def test_healthcheck_command_passes_against_the_running_service(
    final: Stage, adapter_server: TestServer
) -> None:
    """The image's HEALTHCHECK command, run as is, exits 0 against the real service, and
    non-zero when nothing listens."""
    command = _last(final, "HEALTHCHECK").exec_form()
    assert command is not None
    script = command[2]

    async def run(port: int) -> int:
        env = {**os.environ, "ADAPTER_PORT": str(port)}
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", script, env=env)
        return await asyncio.wait_for(process.wait(), timeout=30)

    assert adapter_server.port is not None
    assert await run(adapter_server.port) == 0
    await adapter_server.close()
    assert await run(adapter_server.port) != 0
