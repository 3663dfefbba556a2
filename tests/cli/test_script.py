"""The installed console script and `python -m adapter.cli` are the same command."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import CliStack


def test_the_console_script_is_installed_beside_the_interpreter() -> None:
    script = Path(sys.executable).parent / "synapse-drs"
    answer = subprocess.run(  # noqa: S603 - our own installed script
        [str(script), "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.startswith("synapse-drs ")


async def test_the_console_script_downloads(cli_stack: CliStack) -> None:
    public = cli_stack.obj("public_file")
    script = Path(sys.executable).parent / "synapse-drs"
    process = await asyncio.create_subprocess_exec(
        str(script),
        *["get", "--server", cli_stack.server, public["drs_id"], "-o", "out"],
        cwd=cli_stack.workdir,
        env=cli_stack.env_for("alice"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, out.decode()
    assert (cli_stack.workdir / "out" / "public.txt").read_bytes().startswith(b"A public file")
