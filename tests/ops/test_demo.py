"""`make demo`: both servers start on loopback, and the printed commands work as printed."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys

from tests.ports import free_port


async def _run_shell(script: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", script, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


async def test_demo_guide_commands_work_and_ctrl_c_stops_both() -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapter.demo",
        env={"ADAPTER_PORT": str(port), "PATH": "/usr/local/bin:/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    guide_lines: list[str] = []
    try:
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            assert line, "the demo ended before printing its guide"
            guide_lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C stops both."):
                break
        guide = "\n".join(guide_lines)
        assert f"http://127.0.0.1:{port}/ga4gh/drs/v1" in guide
        export = next(line for line in guide_lines if line.startswith("export "))
        commands = [line.strip() for line in guide_lines if line.strip().startswith("curl ")]
        assert len(commands) == 7
        assert "Authorization" not in commands[1]  # the anonymous example
        outputs = [await _run_shell(f"{export}\n{command}") for command in commands]
        assert json.loads(outputs[0])["type"]["artifact"] == "drs"
        anonymous = json.loads(outputs[1])  # seen through the metadata credential
        assert anonymous["size"] > 0
        assert re.fullmatch(r"[0-9a-f]{32}", anonymous["checksums"][0]["checksum"])
        assert json.loads(outputs[2])["checksums"]
        assert "contents" in json.loads(outputs[3])
        assert json.loads(outputs[4])["url"].startswith("http")
        expected_md5 = re.search(r"#\s+([0-9a-f]{32})", commands[5])
        assert expected_md5 is not None
        assert outputs[5].split()[0] == expected_md5[1]
        assert "You lack DOWNLOAD access" in outputs[6]
        # Every exported token is explained, by its variable, on a line of its own.
        for name in export.removeprefix("export ").split():
            variable = name.split("=")[0]
            assert any(line.startswith(f"  ${variable} ") for line in guide_lines), variable
        process.send_signal(signal.SIGINT)
        rest, stderr = await asyncio.wait_for(process.communicate(), 15)
        assert process.returncode == 0, stderr.decode()
        assert "demo stopped" in rest.decode()
        assert "Traceback" not in stderr.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
