"""Log lines: JSON through the service's own set-up, and no secret in any of them."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import sys
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.http_exceptions import BadHttpMessage
from pytest_aiohttp import AiohttpServer

from adapter import context
from adapter.access import AccessLogger, _flush_soon
from adapter.logs import ACCESS_LOGGER, REDACTED, get_logger, redact_text
from tests.log_scan import CapturingStream


async def _probe(_request: web.Request) -> web.Response:
    return web.Response(headers={"X-Request-ID": "probe-request-7"})


def _written(capture: CapturingStream, text: str) -> bool:
    return any(text in line for line in capture.lines)


def _last(capture: CapturingStream, event: str) -> dict[str, Any]:
    lines = [json.loads(line) for line in capture.lines]
    found: dict[str, Any] = next(line for line in reversed(lines) if line["event"] == event)
    return found


def test_an_ordinary_line_is_written_as_it_was_logged(
    logs_never_carry_a_token: CapturingStream,
) -> None:
    get_logger("tests.logs").info(
        "probe_plain", route="/ga4gh/drs/v1/objects/{object_id}", status=200, duration_ms=1.5
    )
    line = _last(logs_never_carry_a_token, "probe_plain")
    assert line["route"] == "/ga4gh/drs/v1/objects/{object_id}"
    assert line["status"] == 200
    assert line["duration_ms"] == 1.5
    assert line["level"] == "info"
    assert line["logger"] == "tests.logs"
    assert line["timestamp"].endswith("Z")


def test_secrets_are_redacted_in_structlog_and_stdlib_lines(
    logs_never_carry_a_token: CapturingStream,
) -> None:
    capture = logs_never_carry_a_token
    get_logger("tests.logs").warning(
        "probe_secret",
        Authorization="Bearer k3y-in-a-header",
        url="https://bucket.example/f?X-Amz-Signature=c0ffee&X-Amz-Expires=30",
        note="sent bearer tok3n-in-text upstream",
        route="/objects/{object_id}",
    )
    line = _last(capture, "probe_secret")
    assert line["Authorization"] == REDACTED
    assert line["url"] == f"https://bucket.example/f?X-Amz-Signature={REDACTED}&X-Amz-Expires=30"
    assert line["note"] == f"sent bearer {REDACTED} upstream"
    assert line["route"] == "/objects/{object_id}"  # values without secrets are left alone

    logging.getLogger("tests.stdlib").warning("header was Bearer st4ndard-lib")
    record = _last(capture, f"header was Bearer {REDACTED}")
    assert record["logger"] == "tests.stdlib"
    text = "\n".join(capture.lines)
    for secret in ("k3y-in-a-header", "c0ffee", "tok3n-in-text", "st4ndard-lib"):
        assert secret not in text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('token Bearer abc"qu0ted-rest', 'abc"qu0ted-rest'),
        ("folded Bearer\r\n f0lded-token", "f0lded-token"),
        ("Authorization: Basic YmFzaWMtc2VjcmV0", "YmFzaWMtc2VjcmV0"),
        ("authorization=Token 0ther-scheme", "0ther-scheme"),
        ("AUTHORIZATION: bearer,c0mma-token", "c0mma-token"),
    ],
)
def test_any_scheme_case_quoting_or_folding_is_redacted(
    logs_never_carry_a_token: CapturingStream, text: str, secret: str
) -> None:
    assert secret not in redact_text(text)
    get_logger("tests.logs").warning("probe_scheme", detail=text)
    logging.getLogger("tests.stdlib").warning("stdlib %s", text)
    assert not any(secret in line for line in logs_never_carry_a_token.lines)


def test_an_http_parser_error_is_logged_by_its_type_alone(
    logs_never_carry_a_token: CapturingStream,
) -> None:
    try:
        raise BadHttpMessage("Invalid header value char: b'Authorization: s3cret-in-parser'")
    except BadHttpMessage:
        logging.getLogger("aiohttp.server").exception("Error handling request")
    line = _last(logs_never_carry_a_token, "Error handling request")
    assert line["error_type"] == "BadHttpMessage"
    assert "error" not in line
    assert not any("s3cret-in-parser" in ln for ln in logs_never_carry_a_token.lines)


def test_an_exception_is_its_type_and_message_never_a_traceback(
    logs_never_carry_a_token: CapturingStream,
) -> None:
    try:
        raise ValueError("bad thing with Bearer tr4ce-token")
    except ValueError:
        get_logger("tests.logs").exception("probe_failure")
    line = _last(logs_never_carry_a_token, "probe_failure")
    assert line["error_type"] == "ValueError"
    assert line["error"] == f"bad thing with Bearer {REDACTED}"
    assert "Traceback" not in json.dumps(line)
    assert "exception" not in line


async def test_the_access_line_is_the_line_structlog_would_write(
    logs_never_carry_a_token: CapturingStream, aiohttp_server: AiohttpServer
) -> None:
    """The access log skips structlog's machinery for speed; what it writes is the same."""
    app = web.Application()
    app.router.add_get("/probe/{object_id}", _probe)
    server = await aiohttp_server(
        app, access_log_class=AccessLogger, access_log=logging.getLogger(ACCESS_LOGGER)
    )
    async with ClientSession() as session, session.get(server.make_url("/probe/syn1.1")) as answer:
        assert answer.status == 200
    async with asyncio.timeout(2):  # aiohttp writes the line just after the answer is sent
        while not _written(logs_never_carry_a_token, "probe-request-7"):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    fast = _last(logs_never_carry_a_token, "request")
    reset = context.request_id.set("probe-request-7")
    try:
        get_logger(ACCESS_LOGGER).info(
            "request",
            method="GET",
            route="/probe/{object_id}",
            status=200,
            duration_ms=fast["duration_ms"],
        )
    finally:
        context.request_id.reset(reset)
    lines = [json.loads(line) for line in logs_never_carry_a_token.lines]
    fast, slow = [line for line in lines if line.get("request_id") == "probe-request-7"][-2:]
    assert list(fast) == list(slow)
    assert {k: v for k, v in fast.items() if k != "timestamp"} == {
        k: v for k, v in slow.items() if k != "timestamp"
    }
    assert fast["request_id"] == "probe-request-7"
    assert fast["logger"] == "adapter.access"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", fast["timestamp"])


class _Raw(io.RawIOBase):
    """What reaches the file descriptor: one entry per write the buffer makes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.writes.append(bytes(data))
        return len(data)


async def test_access_lines_of_one_loop_turn_go_out_in_one_write() -> None:
    raw = _Raw()
    out = io.BufferedWriter(raw)
    for n in range(3):
        out.write(b'{"line": %d}\n' % n)
        _flush_soon(out)
    assert raw.writes == []  # still in the buffer during this turn
    await asyncio.sleep(0)  # the next turn
    assert raw.writes == [b'{"line": 0}\n{"line": 1}\n{"line": 2}\n']
    out.write(b'{"line": 3}\n')
    _flush_soon(out)  # a new turn schedules a new flush
    await asyncio.sleep(0)
    assert raw.writes[-1] == b'{"line": 3}\n'


def test_without_a_running_loop_the_line_is_flushed_at_once() -> None:
    raw = _Raw()
    out = io.BufferedWriter(raw)
    out.write(b'{"line": 0}\n')
    _flush_soon(out)
    assert raw.writes == [b'{"line": 0}\n']


# Run as a process of its own (the logging set-up is the process's): stdout unbuffered, as
# PYTHONUNBUFFERED makes it in a container, is a file with no buffer in front of it.
_UNBUFFERED_STDOUT = """
import asyncio, logging, os, sys
from adapter.access import _flush_soon
from adapter.logs import configure_logging, get_logger, json_stream
configure_logging("INFO", "json")
out = json_stream()

async def main():
    for n in range(3):
        out.write(b'{"event": "access %d"}\\n' % n)
        _flush_soon(out)
    during = os.fstat(1).st_size
    await asyncio.sleep(0)
    after = os.fstat(1).st_size
    out.write(b'{"event": "access 3"}\\n')
    _flush_soon(out)
    get_logger("probe").info("structlog line")
    out.write(b'{"event": "access 4"}\\n')
    _flush_soon(out)
    logging.getLogger("library").warning("stdlib line")
    print(during, after, file=sys.stderr)

asyncio.run(main())
"""


async def test_unbuffered_stdout_still_gets_a_loop_turns_lines_in_one_write(
    tmp_path: Any,
) -> None:
    written = tmp_path / "stdout"
    with written.open("wb") as stdout:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _UNBUFFERED_STDOUT,
            stdout=stdout,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    during, after = map(int, stderr.split())
    lines = written.read_bytes().splitlines()
    assert during == 0  # the turn's lines wait in the buffer...
    assert after == len(b"".join(line + b"\n" for line in lines[:3]))  # ...and leave together
    events = [json.loads(line)["event"] for line in lines]
    # Every line out by the end, in the order written, whichever logger wrote it.
    assert events == [
        "access 0", "access 1", "access 2", "access 3", "structlog line", "access 4",
        "stdlib line",
    ]  # fmt: skip
