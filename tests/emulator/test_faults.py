"""The fault knobs, `/_emulator/reset`, and the counters of `/_emulator/stats`."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from tests.conftest import EmulatorFactory
from tests.emulator.calls import ERROR_RESPONSE, Synapse, md5_of
from tests.emulator_handle import EmulatorHandle

PROFILE = "/repo/v1/userProfile"


async def _timed(synapse: Synapse, user: str = "alice") -> tuple[int, float]:
    start = time.perf_counter()
    answer = await synapse.call("GET", PROFILE, user)
    return answer.status, time.perf_counter() - start


async def test_latency_delays_every_synapse_answer(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    await emulator.faults(latency_ms=200)
    status, elapsed = await _timed(synapse)
    assert status == 200
    assert elapsed >= 0.2
    assert (await emulator.stats())["faulted"]["latency"] == 1


async def test_jitter_adds_a_random_delay_up_to_its_bound(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    await emulator.faults(jitter_ms=150)
    delays = [(await _timed(synapse))[1] for _ in range(8)]
    assert all(d < 1.0 for d in delays)
    assert max(delays) - min(delays) > 0.01


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (503, "Service temporarily unavailable, please try again later."),
        (500, "An unexpected error occurred."),
        (502, "Error communicating with the storage service."),
    ],
)
async def test_error_rate_answers_the_chosen_status_as_synapse_would(
    emulator: EmulatorHandle, synapse: Synapse, status: int, reason: str
) -> None:
    await emulator.faults(error_rate=1.0, error_status=status)
    answer = await synapse.call("GET", PROFILE, "alice")
    assert answer.status == status
    assert answer.json == {"concreteType": ERROR_RESPONSE, "reason": reason}


async def test_an_error_rate_of_a_half_fails_some_calls_and_not_others(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(error_rate=0.5, fault_seed=7, throttle=False)
    synapse = Synapse(emulator)
    statuses = {(await synapse.call("GET", PROFILE, "alice")).status for _ in range(30)}
    assert statuses == {200, 503}


async def test_reset_rate_drops_the_connection(emulator: EmulatorHandle, synapse: Synapse) -> None:
    await emulator.faults(reset_rate=1.0)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await synapse.call("GET", PROFILE, "alice")
    await emulator.faults(reset_rate=0.0)
    # aiohttp's client retries a GET once when a reused keep-alive connection drops.
    assert (await emulator.stats())["faulted"]["reset"] >= 1


async def test_malformed_rate_cuts_the_body_so_it_is_not_json(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("public_file")
    await emulator.faults(malformed_rate=1.0)
    answer = await synapse.bundle("alice", obj["entity_id"], 1)
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.raw)


async def test_malformed_rate_never_leaves_a_usable_url(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("public_file")
    await emulator.faults(malformed_rate=1.0)
    answer = await synapse.file_url("alice", obj["file_handle_id"], obj["entity_id"])
    assert not answer.text.startswith("http")


async def test_stall_sends_the_headers_at_once_and_the_body_late(
    emulator: EmulatorHandle,
) -> None:
    await emulator.faults(stall_ms=400)
    start = time.perf_counter()
    async with emulator.session.get(
        f"{emulator.url}{PROFILE}", headers=emulator.headers("bob")
    ) as r:
        headers_after = time.perf_counter() - start
        body = await r.json()
        body_after = time.perf_counter() - start
    assert headers_after < 0.3
    assert body_after >= 0.4
    assert body["userName"] == "bob"


async def test_maintenance_answers_503_with_synapses_message_to_everyone(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    await emulator.faults(maintenance=True)
    for user in ("alice", "anonymous"):
        answer = await synapse.call("GET", PROFILE, user)
        assert (answer.status, answer.reason) == (503, "Synapse is down for maintenance.")


async def test_faults_spare_the_control_routes_and_the_blob_route(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    """Presigned URLs point at storage (S3), not at Synapse: Synapse's faults do not reach it."""
    obj = emulator.obj("public_file")
    url = (await synapse.file_url("alice", obj["file_handle_id"], obj["entity_id"])).text
    await emulator.faults(maintenance=True, error_rate=1.0, malformed_rate=1.0)
    assert md5_of((await synapse.download(url)).raw) == obj["md5"]
    stats = await emulator.stats()
    assert stats["total_requests"] == 1
    assert stats["blob_requests"] == 1


async def test_reset_restores_the_configured_defaults_and_zeroes_counters(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(latency_ms=5)
    synapse = Synapse(emulator)
    await emulator.faults(maintenance=True, throttle=False)
    await synapse.call("GET", PROFILE, "alice")
    await emulator.reset()
    async with emulator.session.get(f"{emulator.url}/_emulator/faults") as response:
        faults = await response.json()
    assert (faults["maintenance"], faults["throttle"], faults["latency_ms"]) == (False, True, 5)
    stats = await emulator.stats()
    assert (stats["total_requests"], stats["by_route"], stats["throttled"]) == (0, {}, 0)


async def test_unknown_or_invalid_knobs_are_refused_with_400(emulator: EmulatorHandle) -> None:
    for knobs in ({"latency": 5}, {"error_rate": 2}, {"maintenance": "sometimes"}):
        async with emulator.session.post(
            f"{emulator.url}/_emulator/faults", json=knobs
        ) as response:
            assert response.status == 400, knobs


async def test_stats_count_synapse_calls_by_route_template_and_user(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    obj = emulator.obj("private_file")
    raw = emulator.obj("raw_file_handle")
    await synapse.entity("alice", obj["entity_id"], 1)
    await synapse.bundle("bob", obj["entity_id"], 1)
    await synapse.batch("dave", [(obj["file_handle_id"], obj["entity_id"])])
    url = (await synapse.file_url("dave", obj["file_handle_id"], obj["entity_id"])).text
    await synapse.raw_handle("alice", raw["access_id"])
    await synapse.raw_handle_url("alice", raw["access_id"])
    await synapse.call("GET", PROFILE)
    await synapse.download(url)
    stats = await emulator.stats()
    assert stats["total_requests"] == 7
    assert stats["by_route"] == {
        "GET /repo/v1/entity/{id}/version/{version}": 1,
        "POST /repo/v1/entity/{id}/version/{version}/bundle2": 1,
        "POST /file/v1/fileHandle/batch": 1,
        "GET /file/v1/file/{id}": 1,
        "GET /file/v1/fileHandle/{id}": 1,
        "GET /file/v1/fileHandle/{id}/url": 1,
        "GET /repo/v1/userProfile": 1,
    }
    assert stats["by_user"] == {"alice": 3, "bob": 1, "dave": 2, "anonymous": 1}
    assert stats["max_concurrent_per_user"] == {"alice": 1, "bob": 1, "dave": 1, "anonymous": 1}
    assert stats["blob_requests"] == 1
    assert stats["throttled"] == 0
