"""Progress: live bars under a terminal (a real pseudo-terminal), plain lines without one."""

from __future__ import annotations

import asyncio
import os
import pty
import re

from tests.cli.conftest import CliStack

ESCAPE = "\x1b["
RATE = re.compile(r"\d+(\.\d+)? kB/s")


def _read_all(fd: int) -> bytes:
    """Everything the child writes to its terminal, until it closes it."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child's side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


async def test_a_terminal_gets_live_bars_with_bytes_rate_and_eta(cli_stack: CliStack) -> None:
    private, public = cli_stack.obj("private_file"), cli_stack.obj("public_file")
    await cli_stack.emulator.faults(blob_bytes_per_s=80_000)  # a bit over a second
    controller, terminal = pty.openpty()
    env = cli_stack.env_for("alice", {"TERM": "xterm-256color", "COLUMNS": "120"})
    try:
        process = await asyncio.create_subprocess_exec(
            *cli_stack.argv("get", private["drs_id"], public["drs_id"], "-o", "out"),
            cwd=cli_stack.workdir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=terminal,
            stderr=asyncio.subprocess.PIPE,
        )
        os.close(terminal)
        terminal = -1
        reading = asyncio.get_running_loop().run_in_executor(None, _read_all, controller)
        _out, err = await asyncio.wait_for(process.communicate(), 60)
        screen = (await asyncio.wait_for(reading, 10)).decode(errors="replace")
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    assert process.returncode == 0, screen + err.decode()
    assert ESCAPE in screen  # a live display redraws in place
    assert "━" in screen  # the bars
    assert "private.bin" in screen  # the file's own bar
    assert "all files" in screen  # the overall bar
    assert RATE.search(screen), "no transfer rate shown"
    assert "0:00:0" in screen  # the ETA column
    assert "/100.0 kB" in screen  # bytes done of the file's size
    assert "Summary" in screen


async def test_without_a_terminal_the_lines_are_plain(cli_stack: CliStack) -> None:
    dataset, private = cli_stack.obj("dataset"), cli_stack.obj("readable_not_downloadable")
    run = await cli_stack.run("get", dataset["drs_id"], private["drs_id"], "-o", "out", user="dave")
    assert run.status == 1
    assert ESCAPE not in run.stdout
    assert "━" not in run.stdout
    lines = run.stdout.splitlines()
    assert lines[0] == "fetching 3 files (100.2 kB); 0 already here and verified"
    member = cli_stack.obj("private_file")["drs_id"]
    assert f"downloaded {member}  out/Demo dataset/private.bin  100.0 kB" in lines
    failed = [line for line in lines if line.startswith("failed ")]
    assert len(failed) == 2
    assert all(": 403: You lack" in line for line in failed)
    assert "| failed     |     2 |" in run.stdout  # the summary, in plain ASCII
