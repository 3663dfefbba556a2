"""Per-caller concurrency: never more requests in flight for one Synapse user than it allows."""

from __future__ import annotations

import asyncio
from types import TracebackType


class CallerLimiter:
    """One semaphore per caller key (anonymous is one caller), dropped when idle.

    Synapse allows each user 3 concurrent requests and answers a 4th with 429. Holding our
    own count at or under that limit, for everything this process sends for a caller
    (single reads, bulk fan-out, signing), keeps the adapter from tripping the throttle.
    """

    def __init__(self, per_caller: int) -> None:
        self._per_caller = per_caller
        # caller key -> (its semaphore, how many calls hold or wait for it)
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    def slot(self, caller_key: str, wait_s: float | None = None) -> _Slot:
        """`async with limiter.slot(key):` one of the caller's slots, held for the block;
        TimeoutError after `wait_s` (None: no limit) when every slot stays taken. A free
        slot is taken with no timer at all."""
        return _Slot(self, caller_key, wait_s)

    def _join(self, caller_key: str) -> asyncio.Semaphore:
        semaphore, users = self._slots.get(caller_key, (None, 0))
        if semaphore is None:
            semaphore = asyncio.Semaphore(self._per_caller)
        self._slots[caller_key] = (semaphore, users + 1)
        return semaphore

    def _leave(self, caller_key: str) -> None:
        semaphore, users = self._slots[caller_key]
        if users == 1:
            del self._slots[caller_key]
        else:
            self._slots[caller_key] = (semaphore, users - 1)

    @property
    def callers(self) -> int:
        """How many callers have requests waiting or in flight."""
        return len(self._slots)


class _Slot:
    """One use of a caller's slot: a class, not a generator-based context manager, because
    every Synapse call takes one (contextlib's machinery cost more than the semaphore)."""

    __slots__ = ("_key", "_limiter", "_semaphore", "_wait_s")

    def __init__(self, limiter: CallerLimiter, caller_key: str, wait_s: float | None) -> None:
        self._limiter = limiter
        self._key = caller_key
        self._wait_s = wait_s

    async def __aenter__(self) -> None:
        semaphore = self._semaphore = self._limiter._join(self._key)
        try:
            if semaphore.locked():
                async with asyncio.timeout(self._wait_s):
                    await semaphore.acquire()
            else:
                await semaphore.acquire()
        except BaseException:
            self._limiter._leave(self._key)
            raise

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._semaphore.release()
        self._limiter._leave(self._key)
