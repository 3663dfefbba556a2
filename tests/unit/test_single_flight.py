"""Single-flight: concurrent identical reads share one call; cancellation stays local."""

from __future__ import annotations

import asyncio

import pytest

from adapter.cache import SingleFlight


class Upstream:
    """A stand-in for Synapse: counts calls, answers when released."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def fetch(self) -> str:
        self.calls += 1
        await self.release.wait()
        return f"answer {self.calls}"


async def _started(*tasks: asyncio.Task[str]) -> None:
    for _ in range(3):  # every task reaches its await
        await asyncio.sleep(0)
    assert not any(task.done() for task in tasks)


async def test_concurrent_callers_share_one_call() -> None:
    flights, upstream = SingleFlight(), Upstream()
    tasks = [asyncio.create_task(flights.do("k", upstream.fetch)) for _ in range(5)]
    await _started(*tasks)
    upstream.release.set()
    assert await asyncio.gather(*tasks) == ["answer 1"] * 5
    assert upstream.calls == 1
    assert await flights.do("k", upstream.fetch) == "answer 2"  # done flights are forgotten


async def test_different_keys_do_not_share() -> None:
    flights, upstream = SingleFlight(), Upstream()
    upstream.release.set()
    assert await asyncio.gather(flights.do("a", upstream.fetch), flights.do("b", upstream.fetch))
    assert upstream.calls == 2


async def test_an_error_reaches_every_caller() -> None:
    flights = SingleFlight()
    gate = asyncio.Event()

    async def failing() -> str:
        await gate.wait()
        raise ValueError("upstream broke")

    tasks = [asyncio.create_task(flights.do("k", failing)) for _ in range(3)]
    await _started(*tasks)
    gate.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(outcome, ValueError) for outcome in outcomes)


async def test_a_waiter_giving_up_leaves_the_call_to_the_others() -> None:
    flights, upstream = SingleFlight(), Upstream()
    leader = asyncio.create_task(flights.do("k", upstream.fetch))
    quitter = asyncio.create_task(flights.do("k", upstream.fetch))
    stayer = asyncio.create_task(flights.do("k", upstream.fetch))
    await _started(leader, quitter, stayer)
    quitter.cancel()
    upstream.release.set()
    assert await leader == await stayer == "answer 1"
    with pytest.raises(asyncio.CancelledError):
        await quitter
    assert upstream.calls == 1


async def test_a_cancelled_first_caller_leaves_the_call_to_the_others() -> None:
    flights, upstream = SingleFlight(), Upstream()
    first = asyncio.create_task(flights.do("k", upstream.fetch))
    waiters = [asyncio.create_task(flights.do("k", upstream.fetch)) for _ in range(2)]
    await _started(first, *waiters)
    first.cancel()
    await _started(*waiters)
    upstream.release.set()
    assert await asyncio.gather(*waiters) == ["answer 1", "answer 1"]
    with pytest.raises(asyncio.CancelledError):
        await first
    assert upstream.calls == 1  # the call the first caller started served the others
