"""An interrupted run leaves `NAME.part`; the next run continues it with Range."""

from __future__ import annotations

import asyncio
import signal

from tests.cli.conftest import CliStack
from tests.drs_client import md5_of


async def _wait_for_bytes(stack: CliStack, part_name: str, at_least: int) -> None:
    part = stack.workdir / "out" / part_name
    async with asyncio.timeout(30):
        # Polling the file system: no event tells another process's writes.
        while not part.exists() or part.stat().st_size < at_least:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_a_killed_run_is_continued_from_its_part_file(cli_stack: CliStack) -> None:
    private = cli_stack.obj("private_file")
    await cli_stack.emulator.faults(blob_bytes_per_s=20_000)
    process = await asyncio.create_subprocess_exec(
        *cli_stack.argv("get", private["drs_id"], "-o", "out"),
        cwd=cli_stack.workdir,
        env=cli_stack.env_for("alice"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await _wait_for_bytes(cli_stack, "private.bin.part", 20_000)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    part = cli_stack.workdir / "out" / "private.bin.part"
    held = part.stat().st_size
    assert 20_000 <= held < private["size"]
    assert not (cli_stack.workdir / "out" / "private.bin").exists()

    await cli_stack.emulator.reset()  # full speed, counters at zero
    run = await cli_stack.run("get", private["drs_id"], "-o", "out")
    assert run.status == 0, run.stdout + run.stderr
    assert md5_of((cli_stack.workdir / "out" / "private.bin").read_bytes()) == private["md5"]
    assert not part.exists()
    stats = await cli_stack.emulator.stats()
    assert stats["blob_ranges"] == [f"bytes={held}-"]
    assert stats["blob_bytes"] == private["size"] - held


async def test_an_interrupted_run_keeps_its_part_and_says_so(cli_stack: CliStack) -> None:
    private = cli_stack.obj("private_file")
    await cli_stack.emulator.faults(blob_bytes_per_s=20_000)
    process = await asyncio.create_subprocess_exec(
        *cli_stack.argv("get", private["drs_id"], "-o", "out"),
        cwd=cli_stack.workdir,
        env=cli_stack.env_for("alice"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await _wait_for_bytes(cli_stack, "private.bin.part", 10_000)
    process.send_signal(signal.SIGINT)
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 130
    assert "interrupted" in err.decode()
    assert "Traceback" not in err.decode()
    assert (cli_stack.workdir / "out" / "private.bin.part").stat().st_size >= 10_000


async def test_a_stale_part_with_wrong_bytes_is_refetched_whole(cli_stack: CliStack) -> None:
    """A leftover part that does not match (another version's bytes) is not trusted."""
    private = cli_stack.obj("private_file")
    out = cli_stack.workdir / "out"
    out.mkdir()
    (out / "private.bin.part").write_bytes(b"\0" * 5_000)
    run = await cli_stack.run("get", private["drs_id"], "-o", "out")
    assert run.status == 0, run.stdout + run.stderr
    assert md5_of((out / "private.bin").read_bytes()) == private["md5"]
    assert (await cli_stack.emulator.stats())["blob_ranges"] == ["bytes=5000-", ""]
