"""`python -m adapter` as a real process: it serves, logs JSON, serves metrics on a port of its
own, and stops gracefully on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time

from aiohttp import ClientSession

from adapter import DRS_BASE as DRS
from tests.emulator_handle import EmulatorHandle
from tests.ports import free_port


async def wait_serving(port: int, path: str = "/healthz", timeout_s: float = 20.0) -> None:
    """Until `path` on the loopback port answers 200. The ports are bound before the app is
    built, so a connection alone does not mean the app serves yet."""
    deadline = time.monotonic() + timeout_s
    async with ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the service did not answer {path} on port {port}")


async def test_sigterm_finishes_in_flight_requests_then_exits(emulator: EmulatorHandle) -> None:
    port, metrics_port = free_port(), free_port()
    env = {
        "ADAPTER_PORT": str(port),
        "ADAPTER_METRICS_PORT": str(metrics_port),
        "ADAPTER_SYNAPSE_URL": emulator.url,
        "ADAPTER_SHUTDOWN_TIMEOUT_S": "5",
        "ADAPTER_LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapter",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await wait_serving(port)
        await emulator.faults(latency_ms=1500)  # the request is in flight when SIGTERM lands
        case = emulator.obj("private_file")
        token = emulator.token("alice")
        async with ClientSession() as session:
            request = asyncio.ensure_future(
                session.get(
                    f"http://127.0.0.1:{port}{DRS}/objects/{case['drs_id']}",
                    headers={"Authorization": f"Bearer {token}"},
                )
            )
            await asyncio.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            response = await request
            assert response.status == 200
            body = await response.json()
            assert body["checksums"][0]["checksum"] == case["md5"]
            response.release()
        stdout, stderr = await asyncio.wait_for(process.communicate(), 10)
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    lines = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    events = [line["event"] for line in lines]
    assert "starting" in events
    access = [line for line in lines if line["event"] == "request" and line["route"] != "/healthz"]
    assert access[0]["route"] == f"{DRS}/objects/{{object_id}}"
    assert access[0]["status"] == 200
    assert "request_id" in access[0]
    assert token is not None
    assert token not in stdout.decode()
    assert token not in stderr.decode()
    assert "Traceback" not in stderr.decode()
