"""`python -m adapter.emulator`: starts on a free port, writes its manifest, stops on signals."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from adapter.emulator import EmulatorConfig
from adapter.emulator.__main__ import parse_args


def _read(path: Path) -> dict[str, object] | None:
    """The manifest once written (it is replaced atomically, so never half of it)."""
    if not path.exists():
        return None
    manifest: dict[str, object] = json.loads(path.read_text())
    return manifest


async def _wait_for(path: Path, process: asyncio.subprocess.Process) -> dict[str, object]:
    for _ in range(200):
        manifest = await asyncio.to_thread(_read, path)
        if manifest is not None:
            return manifest
        assert process.returncode is None, "the emulator exited early"
        await asyncio.sleep(0.05)
    raise AssertionError("no manifest after 10 s")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_the_cli_serves_writes_the_manifest_and_stops_cleanly_on_a_signal(
    tmp_path: Path, signum: signal.Signals
) -> None:
    manifest_path = tmp_path / "manifest.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapter.emulator",
        "--port",
        "0",
        "--manifest",
        str(manifest_path),
        "--files",
        "3",
        "--no-throttle",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        manifest = await _wait_for(manifest_path, process)
        base = str(manifest["synapse_url"])
        assert base.startswith("http://127.0.0.1:")
        users = manifest["users"]
        assert isinstance(users, dict)
        headers = {"Authorization": f"Bearer {users['alice']['token']}"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{base}/repo/v1/userProfile", headers=headers) as response,
        ):
            assert (await response.json())["userName"] == "alice"
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{base}/_emulator/faults") as response,
        ):
            assert (await response.json())["throttle"] is False
    finally:
        if process.returncode is None:
            process.send_signal(signum)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    assert process.returncode == 0, stderr.decode()
    events = [json.loads(line) for line in stdout.decode().splitlines()]
    listening = next(e for e in events if e["event"] == "emulator_listening")
    assert listening["url"] == base
    assert listening["manifest"] == str(manifest_path)
    assert events[-1]["event"] == "emulator_stopping"


def test_every_config_field_is_a_flag_and_the_old_spellings_still_parse() -> None:
    args = parse_args(
        [
            *("--url-ttl", "5", "--throttle-period", "3", "--no-throttle", "--maintenance"),
            *("--fault-seed", "4", "--files", "2", "--error-rate", "0.5", "--port", "0"),
        ]
    )
    assert args.config() == EmulatorConfig(
        url_ttl_s=5,
        throttle_period_s=3,
        throttle=False,
        maintenance=True,
        fault_seed=4,
        files=2,
        error_rate=0.5,
    )
    assert (args.port, args.host, args.manifest) == (0, "127.0.0.1", None)
    assert parse_args([]).config() == EmulatorConfig()
    assert parse_args(["--url-ttl-s", "7"]).config().url_ttl_s == 7


def test_the_help_lists_a_flag_for_every_knob(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(["--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    for name, field in EmulatorConfig.model_fields.items():
        flag = name.replace("_", "-")
        expected = f"--no-{flag}" if field.default is True else f"--{flag}"
        assert expected in shown, name


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["--error-rate", "2"], "error_rate"),
        (["--seed", "full"], "Input should be 'demo' or 'empty'"),
        (["--no-such-flag"], "unrecognized arguments"),
    ],
)
async def test_a_bad_flag_exits_2_with_the_reason(argv: list[str], reason: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapter.emulator",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert reason in stderr.decode()
    assert "Traceback" not in stderr.decode()
