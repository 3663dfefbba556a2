"""Per-caller concurrency: never more requests in flight for one Synapse user than it allows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


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

    @asynccontextmanager
    async def slot(self, caller_key: str, wait_s: float | None = None) -> AsyncIterator[None]:
        """`async with limiter.slot(key):` one of the caller's slots, held for the block;
        TimeoutError after `wait_s` (None: no limit) when every slot stays taken. A free
        slot is taken with no timer at all."""
        semaphore, users = self._slots.get(caller_key, (None, 0))
        if semaphore is None:
            semaphore = asyncio.Semaphore(self._per_caller)
        self._slots[caller_key] = (semaphore, users + 1)
        try:
            if semaphore.locked():
                async with asyncio.timeout(wait_s):
                    await semaphore.acquire()
            else:
                await semaphore.acquire()
            try:
                yield
            finally:
                semaphore.release()
        finally:
            semaphore, users = self._slots[caller_key]
            if users == 1:
                del self._slots[caller_key]
            else:
                self._slots[caller_key] = (semaphore, users - 1)

    @property
    def callers(self) -> int:
        """How many callers have requests waiting or in flight."""
        return len(self._slots)
