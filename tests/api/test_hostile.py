"""Hostile and clumsy clients over raw sockets: a clear 4xx DRS `Error`, never a 500, and no
header value in any answer or log line (issue: hostile clients, a faulty network)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapter import DRS_BASE
from adapter.auth import MSG_MALFORMED
from adapter.bodies import MSG_BODY_TIMEOUT
from adapter.routes import MSG_BAD_HOST
from tests.emulator_handle import EmulatorHandle
from tests.hostile import Deployed, DeployedFactory, deployed_factory, read_answer, request
from tests.log_scan import ISSUED_TOKENS, CapturingStream

OBJECT = "syn1000003.1"  # any id: these requests never get as far as Synapse


@pytest.fixture
async def deploy(emulator: EmulatorHandle) -> AsyncIterator[DeployedFactory]:
    async for factory in deployed_factory(emulator):
        yield factory


@pytest.fixture
async def service(deploy: DeployedFactory) -> Deployed:
    return await deploy()


def _is_drs_error(answer_status: int, body: bytes, status: int) -> dict[str, object]:
    assert answer_status == status, body
    error: dict[str, object] = json.loads(body)
    assert error["status_code"] == status
    assert isinstance(error["msg"], str)
    return error


NESTED = b"[" * 1000 + b"]" * 1000
BODY_ROUTES = [
    ("POST", f"{DRS_BASE}/objects"),
    ("POST", f"{DRS_BASE}/objects/{OBJECT}"),
    ("POST", f"{DRS_BASE}/objects/{OBJECT}/access/FileEntity_{OBJECT}_1"),
    ("POST", f"{DRS_BASE}/objects/access"),
    ("OPTIONS", f"{DRS_BASE}/objects"),
]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize("body", [NESTED, b'{"passports": ' + NESTED + b"}", b"[" * 5000])
async def test_deeply_nested_json_is_400(
    service: Deployed, method: str, path: str, body: bytes
) -> None:
    headers = {"Content-Type": "application/json"}
    answer = await service.send(request(method, path, headers=headers, body=body))
    _is_drs_error(answer.status, answer.body, 400)


@pytest.mark.parametrize(
    "path",
    [
        f"{DRS_BASE}/objects/{OBJECT}",
        f"{DRS_BASE}/objects/{OBJECT}/access/FileEntity_{OBJECT}_1",
    ],
)
@pytest.mark.parametrize("token", [b"\xff", b"abc\xc3\x28", b'abc"def', b"a\\b"])
async def test_a_token_that_cannot_be_a_token_is_401(
    service: Deployed, path: str, token: bytes
) -> None:
    raw = request("GET", path, raw_headers=b"Authorization: Bearer " + token + b"\r\n")
    answer = await service.send(raw)
    error = _is_drs_error(answer.status, answer.body, 401)
    assert error["msg"] == MSG_MALFORMED
    assert answer.headers["www-authenticate"].startswith("Bearer")


async def test_a_bulk_request_with_a_non_utf8_token_is_401(service: Deployed) -> None:
    body = json.dumps({"bulk_object_ids": [OBJECT]}).encode()
    raw = request(
        "POST",
        f"{DRS_BASE}/objects",
        headers={"Content-Type": "application/json"},
        body=body,
        raw_headers=b"Authorization: Bearer \xff\xfe\r\n",
    )
    answer = await service.send(raw)
    assert _is_drs_error(answer.status, answer.body, 401)["msg"] == MSG_MALFORMED


def _secret(emulator: EmulatorHandle) -> str:
    token = emulator.token("alice")
    assert token is not None
    assert token in ISSUED_TOKENS  # the suite's log scan looks for it too
    return token


PARSER_FAULTS = {
    "folded Authorization": lambda t: b"Authorization: Bearer\r\n " + t + b"\r\n",
    "control character": lambda t: b"Authorization: Bearer " + t + b"\x01\r\n",
    "header over the limit": lambda t: b"Authorization: Bearer " + t + b"A" * 40_000 + b"\r\n",
    "too many headers": lambda t: (
        b"Authorization: Bearer " + t + b"\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200))
    ),
    "space before the colon": lambda t: b"Authorization : Bearer " + t + b"\r\n",
}


@pytest.mark.parametrize("fault", sorted(PARSER_FAULTS))
async def test_requests_the_parser_refuses_get_a_drs_error_that_quotes_nothing(
    service: Deployed, fault: str, logs_never_carry_a_token: CapturingStream
) -> None:
    token = _secret(service.emulator)
    raw = request(
        "GET", f"{DRS_BASE}/objects/{OBJECT}", raw_headers=PARSER_FAULTS[fault](token.encode())
    )
    before = len(logs_never_carry_a_token.lines)
    answer = await service.send(raw)
    _is_drs_error(answer.status, answer.body, 400)
    assert answer.headers["content-type"].startswith("application/json")
    assert token.encode() not in answer.body
    assert b"Bearer" not in answer.body
    await asyncio.sleep(0.05)
    new_lines = logs_never_carry_a_token.lines[before:]
    assert any('"http_error"' in line for line in new_lines)
    assert not any(token in line or token[:16] in line for line in new_lines)


async def test_a_bad_request_line_gets_a_drs_error(service: Deployed) -> None:
    answer = await service.send(b"GET /x y z HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    error = _is_drs_error(answer.status, answer.body, 400)
    assert "/x y z" not in str(error["msg"])


async def _metrics(service: Deployed) -> dict[tuple[str, str], float]:
    counts: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(await service.scrape()):
        for sample in family.samples:
            if sample.name.endswith("requests_total") and "route" in sample.labels:
                key = (sample.labels["route"], sample.labels["status"])
                counts[key] = counts.get(key, 0) + sample.value
    return counts


async def test_a_client_closing_mid_body_is_its_abort_not_a_500(
    service: Deployed, logs_never_carry_a_token: CapturingStream
) -> None:
    before = len(logs_never_carry_a_token.lines)
    _reader, writer = await service.open()
    head = request("POST", f"{DRS_BASE}/objects", headers={"Content-Type": "application/json"})
    writer.write(head.replace(b"\r\n\r\n", b"\r\nContent-Length: 1000\r\n\r\n", 1) + b'{"bulk')
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.transport.abort()  # a reset, as a crashed client leaves it
    await asyncio.sleep(0.3)
    counts = await _metrics(service)
    route_counts = {
        status: n for (route, status), n in counts.items() if route.endswith("/objects")
    }
    assert route_counts.get("499") == 1
    assert not any(status.startswith("5") for status in route_counts)
    lines = [json.loads(line) for line in logs_never_carry_a_token.lines[before:]]
    assert not any(line["level"] in ("error", "critical") for line in lines)
    access = [
        line for line in lines if line.get("event") == "request" and line.get("status") == 499
    ]
    assert len(access) == 1


async def test_a_dripped_body_gets_408_within_the_body_timeout(deploy: DeployedFactory) -> None:
    service = await deploy(body_read_timeout_s=0.5)
    reader, writer = await service.open()
    head = request("POST", f"{DRS_BASE}/objects", headers={"Content-Type": "application/json"})
    writer.write(head.replace(b"\r\n\r\n", b"\r\nContent-Length: 100\r\n\r\n", 1))
    await writer.drain()
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def drip() -> None:
        for byte in b'{"bulk_object_ids": []}':
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.2)

    dripping = asyncio.create_task(drip())
    try:
        async with asyncio.timeout(5):
            answer = await read_answer(reader)
    finally:
        dripping.cancel()
        writer.close()
    assert loop.time() - started < 2
    assert _is_drs_error(answer.status, answer.body, 408)["msg"] == MSG_BODY_TIMEOUT


@pytest.mark.parametrize(
    "host",
    [
        "a@evil.example/x?y#",
        "evil.example/path",
        "evil.example?q",
        "evil.example#f",
        "ev il",
        "x:abc",
    ],
)
async def test_a_host_header_that_is_not_host_port_is_400(service: Deployed, host: str) -> None:
    raw = request("GET", f"{DRS_BASE}/objects/{OBJECT}").replace(
        b"Host: 127.0.0.1", b"Host: " + host.encode()
    )
    answer = await service.send(raw)
    assert _is_drs_error(answer.status, answer.body, 400)["msg"] == MSG_BAD_HOST
    assert (await service.emulator.stats())["total_requests"] == 0  # nothing reached Synapse


@pytest.mark.parametrize(
    "host", ["drs.example.org", "drs.example.org:8443", "10.0.0.7:80", "[::1]:8080"]
)
async def test_a_plain_host_is_written_into_self_uri(service: Deployed, host: str) -> None:
    case = service.emulator.obj("public_file")
    raw = request(
        "GET", f"{DRS_BASE}/objects/{case['drs_id']}", headers=service.emulator.headers("alice")
    )
    raw = raw.replace(b"Host: 127.0.0.1", b"Host: " + host.encode())
    answer = await service.send(raw)
    assert answer.status == 200, answer.body
    assert answer.json()["self_uri"] == f"drs://{host}/{case['drs_id']}"
