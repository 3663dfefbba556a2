"""Single-flight: concurrent identical reads share one call; cancellation stays local."""

from __future__ import annotations

import asyncio
import gc

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


async def test_a_cancelled_first_caller_hands_the_read_to_the_others() -> None:
    """The first caller makes the call in its own task (no task added to an uncontended
    read), so its cancellation ends that call: the waiters share one new call instead."""
    flights, upstream = SingleFlight(), Upstream()
    first = asyncio.create_task(flights.do("k", upstream.fetch))
    waiters = [asyncio.create_task(flights.do("k", upstream.fetch)) for _ in range(2)]
    await _started(first, *waiters)
    first.cancel()
    await _started(*waiters)
    assert upstream.calls == 2  # one waiter asked again and leads the new call
    upstream.release.set()
    assert await asyncio.gather(*waiters) == ["answer 2", "answer 2"]
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_the_call_runs_in_the_first_callers_own_task() -> None:
    flights = SingleFlight()
    caller = asyncio.current_task()

    async def where() -> object:
        return asyncio.current_task()

    assert await flights.do("k", where) is caller


async def test_an_error_nobody_waited_for_is_not_left_unretrieved() -> None:
    flights = SingleFlight()
    loop = asyncio.get_running_loop()
    unretrieved: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: unretrieved.append(context))

    async def failing() -> str:
        raise ValueError("upstream broke")

    with pytest.raises(ValueError, match="upstream broke"):
        await flights.do("k", failing)
    gc.collect()
    await asyncio.sleep(0)
    assert unretrieved == []
