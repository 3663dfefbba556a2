"""Auth, error bodies, upstream failure mapping, through the real app (docs/behaviour.md §6, §7)."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.auth import MSG_SCHEME
from tests.drs_client import DRS, Drs, DrsFactory
from tests.emulator_handle import EmulatorHandle


async def test_bearer_scheme_is_case_insensitive(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    token = drs.emulator.token("alice")
    for scheme in ("Bearer", "bearer", "BEARER"):
        answer = await drs.object(case["drs_id"], headers={"Authorization": f"{scheme} {token}"})
        assert answer.status == 200, scheme


@pytest.mark.parametrize("header", ["Basic YWxpY2U6c2VjcmV0", "Token abc", "Bearer", "Bearer   "])
async def test_other_schemes_and_empty_tokens_are_401(drs: Drs, header: str) -> None:
    answer = await drs.object("syn1.1", headers={"Authorization": header})
    assert answer.status == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.body["status_code"] == 401
    if header.startswith(("Basic", "Token")):
        assert answer.body["msg"] == MSG_SCHEME
    assert (await drs.emulator.stats())["total_requests"] == 0


async def test_invalid_token_is_synapse_401_with_challenge(drs: Drs) -> None:
    token = drs.emulator.manifest["invalid_token"]
    case = drs.emulator.obj("public_file")
    for answer in (
        await drs.object(case["drs_id"], headers={"Authorization": f"Bearer {token}"}),
        await drs.access(
            case["drs_id"], case["access_id"], headers={"Authorization": f"Bearer {token}"}
        ),
    ):
        assert answer.status == 401
        assert answer.body == {"msg": "Invalid access token", "status_code": 401}
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert token not in answer.raw.decode()


async def test_no_header_is_anonymous_and_public_data_stays_readable(
    drs_factory: DrsFactory, emulator: EmulatorHandle
) -> None:
    drs = await drs_factory(synapse_metadata_token=emulator.token("service"))
    case = drs.emulator.obj("public_file")
    answer = await drs.object(case["drs_id"])
    assert answer.status == 200
    assert answer.body["checksums"][0]["checksum"] == case["md5"]


async def test_anonymous_public_file_without_metadata_credential_is_403(drs: Drs) -> None:
    """Synapse hides file handles from anonymous callers, who may never DOWNLOAD."""
    answer = await drs.object(drs.emulator.obj("public_file")["drs_id"])
    assert answer.status == 403


async def test_service_info_is_valid_and_static(drs: Drs) -> None:
    answer = await drs.request("GET", f"{DRS}/service-info", "/service-info")
    assert answer.status == 200
    body = answer.body
    assert body["type"] == {"group": "org.ga4gh", "artifact": "drs", "version": "1.5.0"}
    assert body["maxBulkRequestLength"] == body["drs"]["maxBulkRequestLength"] == 1000
    assert "objectCount" not in body["drs"]
    assert (await drs.emulator.stats())["total_requests"] == 0


async def test_unknown_path_is_a_json_404(drs: Drs) -> None:
    answer = await drs.request("GET", "/nowhere", None)
    assert answer.status == 404
    assert answer.body == {"msg": "Not found: this service has no such path", "status_code": 404}


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH"])
async def test_wrong_method_is_a_json_405(drs: Drs, method: str) -> None:
    answer = await drs.request(method, f"{DRS}/service-info", None)
    assert answer.status == 405
    assert answer.body["status_code"] == 405
    assert "GET" in answer.headers["Allow"]


UPSTREAM_FAILURES: list[tuple[dict[str, Any], int]] = [
    ({"error_rate": 1.0, "error_status": 500}, 502),
    ({"error_rate": 1.0, "error_status": 502}, 502),
    ({"maintenance": True}, 503),
    ({"malformed_rate": 1.0}, 502),
    ({"reset_rate": 1.0}, 502),
    ({"stall_ms": 3000}, 504),
]


@pytest.mark.parametrize(("knobs", "status"), UPSTREAM_FAILURES)
async def test_upstream_failures_are_clear_5xx(
    drs_factory: DrsFactory, knobs: dict[str, Any], status: int
) -> None:
    drs = await drs_factory(synapse_total_timeout_s=0.5, retry_budget_s=1.0)
    case = drs.emulator.obj("private_file")
    await drs.emulator.faults(**knobs)
    for answer in (
        await drs.object(case["drs_id"], user="alice"),
        await drs.access(case["drs_id"], case["access_id"], user="alice"),
    ):
        assert answer.status == status, answer.body
        assert answer.body["status_code"] == status
        assert "Synapse" in answer.body["msg"]
        assert "Traceback" not in answer.raw.decode()
        if status == 503:
            assert int(answer.headers["Retry-After"]) > 0


async def test_throttled_upstream_is_503_with_retry_after(drs_factory: DrsFactory) -> None:
    """Synapse's 429 (no Retry-After of its own), retried until the budget ends: 503."""
    drs = await drs_factory(retry_budget_s=1.0)
    await drs.emulator.faults(error_rate=1.0, error_status=429)
    answer = await drs.object(drs.emulator.obj("private_file")["drs_id"], user="alice")
    assert answer.status == 503
    assert int(answer.headers["Retry-After"]) > 0


async def test_large_headers_reach_the_app_and_huge_ones_are_refused_not_crashed(
    drs: Drs,
) -> None:
    """Up to max_header_bytes a header gets a DRS Error; beyond, aiohttp's parser says 400."""
    big = await drs.object("syn1.1", headers={"Authorization": "Basic " + "a" * 20_000})
    assert big.status == 401
    async with drs.client.session.get(
        drs.client.make_url(f"{DRS}/service-info"), headers={"X-Big": "a" * 40_000}
    ) as response:
        assert response.status == 400
