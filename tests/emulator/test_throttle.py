"""Synapse's per-user throttle: 3 concurrent calls, N calls per period, 429 with a bare reason."""

from __future__ import annotations

import asyncio

from adapter.emulator import EmulatorConfig
from tests.conftest import EmulatorFactory
from tests.emulator.calls import Answer, Synapse
from tests.emulator_handle import EmulatorHandle

CONCURRENT = {
    "reason": "Too many concurrent requests. Allowed 3 concurrent connections at any time."
}


async def _ten_at_once(synapse: Synapse, user: str) -> list[Answer]:
    entity_id = synapse.emulator.obj("public_file")["entity_id"]
    return await asyncio.gather(*(synapse.entity(user, entity_id, 1) for _ in range(10)))


async def test_ten_concurrent_calls_with_one_token_serve_three_and_refuse_seven(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    await emulator.faults(latency_ms=300)  # keep the served calls in flight together
    answers = await _ten_at_once(synapse, "alice")
    assert sorted(a.status for a in answers) == [200] * 3 + [429] * 7
    for refused in (a for a in answers if a.status == 429):
        assert refused.json == CONCURRENT
        assert "Retry-After" not in refused.headers
    stats = await emulator.stats()
    assert stats["throttled"] == 7
    assert stats["max_served_concurrent_per_user"] == {"alice": 3}
    # Refused calls return at once, so the peak of calls in flight is past the limit, not 10.
    assert stats["max_concurrent_per_user"]["alice"] > 3


async def test_slots_are_given_back_when_calls_finish(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    await emulator.faults(latency_ms=100)
    await _ten_at_once(synapse, "alice")
    answers = await asyncio.gather(
        *(synapse.call("GET", "/repo/v1/userProfile", "alice") for _ in range(3))
    )
    assert [a.status for a in answers] == [200] * 3


async def test_each_user_has_their_own_slots(emulator: EmulatorHandle, synapse: Synapse) -> None:
    await emulator.faults(latency_ms=200)
    entity_id = emulator.obj("public_file")["entity_id"]
    calls = [synapse.entity(u, entity_id, 1) for u in ("alice", "bob", "dave") for _ in range(3)]
    assert [a.status for a in await asyncio.gather(*calls)] == [200] * 9


async def test_anonymous_callers_are_not_throttled(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    await emulator.faults(latency_ms=200)
    answers = await _ten_at_once(synapse, "anonymous")
    assert [a.status for a in answers] == [200] * 10
    assert (await emulator.stats())["max_concurrent_per_user"] == {"anonymous": 10}


async def test_with_the_throttle_off_every_call_is_served_and_the_peak_is_recorded(
    emulator: EmulatorHandle, synapse: Synapse
) -> None:
    await emulator.faults(latency_ms=200, throttle=False)
    answers = await _ten_at_once(synapse, "alice")
    assert [a.status for a in answers] == [200] * 10
    stats = await emulator.stats()
    assert stats["max_served_concurrent_per_user"] == {"alice": 10}
    assert stats["throttled"] == 0


async def test_too_many_calls_in_a_period_are_refused_with_synapses_frequency_message(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(max_requests=5, throttle_period_s=60)
    synapse = Synapse(emulator)
    answers = [await synapse.call("GET", "/repo/v1/userProfile", "bob") for _ in range(7)]
    assert [a.status for a in answers] == [200] * 5 + [429] * 2
    assert answers[-1].json == {
        "reason": "Requests are too frequent. Allowed 5 requests every 60 seconds."
    }
    assert "Retry-After" not in answers[-1].headers
    # Another user's block is their own.
    assert (await synapse.call("GET", "/repo/v1/userProfile", "alice")).status == 200


async def test_the_frequency_block_ends_with_its_period(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(max_requests=2, throttle_period_s=0.5)
    synapse = Synapse(emulator)
    statuses = [(await synapse.call("GET", "/repo/v1/userProfile", "bob")).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    await asyncio.sleep(0.55)
    assert (await synapse.call("GET", "/repo/v1/userProfile", "bob")).status == 200


async def test_synapses_default_limits_are_3_concurrent_and_600_a_minute() -> None:
    config = EmulatorConfig()
    assert (config.max_concurrent, config.max_requests, config.throttle_period_s) == (3, 600, 60)
