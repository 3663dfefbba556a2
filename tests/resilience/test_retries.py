"""Upstream discipline: retries within a budget, per-caller concurrency, single-flight (issue 5)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter

from tests.conftest import EmulatorFactory
from tests.emulator_handle import EmulatorHandle
from tests.resilience.conftest import ServiceFactory

BUNDLE = "POST /repo/v1/entity/{id}/version/{version}/bundle2"


def _generated(emulator: EmulatorHandle) -> list[str]:
    return [o["drs_id"] for o in emulator.manifest["objects"] if o["case"] == "generated_file"]


async def test_hundred_concurrent_identical_requests_cost_one_upstream_call(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(emulator)
    await emulator.faults(latency_ms=200)  # all hundred arrive while the first is in flight
    case = emulator.obj("private_file")
    answers = await asyncio.gather(*(drs.object(case["drs_id"], user="alice") for _ in range(100)))
    assert {a.status for a in answers} == {200}
    assert {a.body["checksums"][0]["checksum"] for a in answers} == {case["md5"]}
    assert (await emulator.stats())["by_route"][BUNDLE] == 1


async def test_thirty_percent_503s_are_absorbed(
    emulator_factory: EmulatorFactory, service_factory: ServiceFactory
) -> None:
    """2,000 uncached reads while Synapse fails 30 % of calls with 503: ≥ 99.9 % answered 200."""
    emulator = await emulator_factory(files=2000, max_requests=1_000_000, fault_seed=7)
    drs = await service_factory(emulator, retry_base_delay_s=0.01, retry_max_delay_s=0.2)
    await emulator.faults(error_rate=0.3, error_status=503)
    ids = _generated(emulator)
    statuses: Counter[int] = Counter()
    for start in range(0, len(ids), 50):
        wave = ids[start : start + 50]
        answers = await asyncio.gather(*(drs.object(i, user="alice") for i in wave))
        statuses.update(a.status for a in answers)
    assert sum(statuses.values()) == 2000
    assert statuses[200] >= 1998, statuses
    assert set(statuses) <= {200, 503}, statuses
    stats = await emulator.stats()
    assert stats["by_route"][BUNDLE] > 2000  # the failures were retried


async def test_throttle_storm_is_answered_within_the_budget(
    emulator_factory: EmulatorFactory, service_factory: ServiceFactory
) -> None:
    """Synapse throttling hard (1 concurrent per user): never more than 3 in flight from us,
    every request answered within its budget, 200 or a 503 with Retry-After."""
    emulator = await emulator_factory(files=60, max_concurrent=1)
    budget = 2.0
    drs = await service_factory(emulator, retry_budget_s=budget)
    await emulator.faults(latency_ms=20)

    async def timed(object_id: str) -> tuple[int, float, str | None]:
        started = time.perf_counter()
        answer = await drs.object(object_id, user="alice")
        return answer.status, time.perf_counter() - started, answer.headers.get("Retry-After")

    results = await asyncio.gather(*(timed(i) for i in _generated(emulator)))
    stats = await emulator.stats()
    assert stats["throttled"] > 0  # the storm happened
    assert stats["max_concurrent_per_user"]["alice"] <= 3
    for status, elapsed, retry_after in results:
        assert status in {200, 503}
        assert elapsed < budget + 1.0
        if status == 503:
            assert retry_after is not None
            assert int(retry_after) > 0
    assert any(status == 200 for status, _, _ in results)


async def test_dropped_connections_are_retried_then_502(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(emulator, retry_budget_s=1.0)
    await emulator.faults(reset_rate=1.0)
    answer = await drs.object(emulator.obj("private_file")["drs_id"], user="alice")
    assert answer.status == 502
    assert answer.body["msg"] == "Synapse dropped the connection"
    assert (await emulator.stats())["by_route"][BUNDLE] > 1


async def test_dropped_connections_now_and_then_are_invisible(
    emulator_factory: EmulatorFactory, service_factory: ServiceFactory
) -> None:
    emulator = await emulator_factory(files=100, fault_seed=3)
    drs = await service_factory(emulator)
    await emulator.faults(reset_rate=0.3)
    answers = await asyncio.gather(*(drs.object(i, user="alice") for i in _generated(emulator)))
    assert {a.status for a in answers} == {200}


async def test_maintenance_outlasting_the_budget_is_503_with_retry_after(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(emulator, retry_budget_s=0.5)
    await emulator.faults(maintenance=True)
    started = time.perf_counter()
    answer = await drs.object(emulator.obj("private_file")["drs_id"], user="alice")
    assert answer.status == 503
    assert answer.body["msg"] == "Synapse is unavailable: Synapse is down for maintenance."
    assert int(answer.headers["Retry-After"]) > 0
    assert time.perf_counter() - started < 1.5


async def test_stalled_upstream_is_504_within_the_budget(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(emulator, retry_budget_s=0.8)
    await emulator.faults(stall_ms=5000)
    started = time.perf_counter()
    answer = await drs.object(emulator.obj("private_file")["drs_id"], user="alice")
    assert answer.status == 504
    assert time.perf_counter() - started < 2.0


async def test_request_id_is_echoed_or_made_up_and_sent_to_synapse(
    emulator: EmulatorHandle, service_factory: ServiceFactory
) -> None:
    drs = await service_factory(emulator)
    answer = await drs.object(
        emulator.obj("private_file")["drs_id"], user="alice", headers={"X-Request-ID": "abc-123"}
    )
    assert answer.headers["X-Request-ID"] == "abc-123"
    assert (await emulator.stats())["request_ids"] == ["abc-123"]  # sent upstream too
    made_up = await drs.object("syn1", user="alice", headers={"X-Request-ID": "bad id\twith"})
    assert made_up.headers["X-Request-ID"] != "bad id\twith"
    made_up_id = made_up.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}[0-9a-f]{8,}", made_up_id)
    another = await drs.object("syn1", user="alice")
    assert another.headers["X-Request-ID"] != made_up_id  # unique: a counter behind a prefix
