"""The per-caller limiter: at most N calls in flight per caller, nothing kept once idle."""

from __future__ import annotations

import asyncio

import pytest

from adapter.synapse.limits import CallerLimiter


async def test_each_caller_gets_at_most_its_slots_and_nothing_is_kept_after() -> None:
    limiter = CallerLimiter(3)
    in_flight = {"alice": 0, "bob": 0}
    peak = {"alice": 0, "bob": 0}

    async def call(token: str) -> None:
        async with limiter.slot(token):
            in_flight[token] += 1
            peak[token] = max(peak[token], in_flight[token])
            await asyncio.sleep(0.001)
            in_flight[token] -= 1

    await asyncio.gather(*(call(token) for token in ["alice"] * 10 + ["bob"] * 10))
    assert peak == {"alice": 3, "bob": 3}
    assert limiter.callers == 0


async def test_a_waiter_cancelled_in_the_queue_leaves_no_trace() -> None:
    limiter = CallerLimiter(1)
    release = asyncio.Event()

    async def hold() -> None:
        async with limiter.slot("alice"):
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(hold())
    await asyncio.sleep(0)
    assert limiter.callers == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    await holder
    assert limiter.callers == 0
    async with asyncio.timeout(1):  # the slot is free again: no permit was lost
        async with limiter.slot("alice"):
            pass


async def test_an_error_inside_the_block_frees_the_slot() -> None:
    limiter = CallerLimiter(1)
    with pytest.raises(RuntimeError):
        async with limiter.slot("anonymous"):
            raise RuntimeError("upstream broke")
    assert limiter.callers == 0
    async with asyncio.timeout(1):
        async with limiter.slot("anonymous"):
            pass
