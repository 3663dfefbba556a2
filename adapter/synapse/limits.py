"""Per-caller concurrency: never more requests in flight for one Synapse user than it allows."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from types import TracebackType


class CallerLimiter:
    """One semaphore per caller (token hash; anonymous is one caller), dropped when idle.

    Synapse allows each user 3 concurrent requests and answers a 4th with 429. Holding our
    own count at or under that limit, for everything this process sends for a caller
    (single reads, bulk fan-out, signing), keeps the adapter from tripping the throttle.
    """

    def __init__(self, per_caller: int) -> None:
        self._per_caller = per_caller
        self._salt = secrets.token_bytes(16)
        self._slots: dict[bytes, tuple[asyncio.Semaphore, int]] = {}

    def caller_key(self, token: str | None) -> bytes:
        """A salted hash of the token: the raw token is never kept as a key."""
        if token is None:
            return b"anonymous"
        return hashlib.blake2b(token.encode(), key=self._salt, digest_size=16).digest()

    def slot(self, token: str | None) -> _Slot:
        """`async with limiter.slot(token):` one of the caller's slots, held for the block."""
        return _Slot(self, self.caller_key(token))

    def _claim(self, key: bytes) -> asyncio.Semaphore:
        semaphore, users = self._slots.get(key, (None, 0))
        if semaphore is None:
            semaphore = asyncio.Semaphore(self._per_caller)
        self._slots[key] = (semaphore, users + 1)
        return semaphore

    def _unclaim(self, key: bytes) -> None:
        semaphore, users = self._slots[key]
        if users == 1:
            del self._slots[key]
        else:
            self._slots[key] = (semaphore, users - 1)

    @property
    def callers(self) -> int:
        """How many callers have requests waiting or in flight."""
        return len(self._slots)


class _Slot:
    """A class rather than an @asynccontextmanager: no generator per Synapse call."""

    __slots__ = ("_key", "_limiter", "_semaphore")

    def __init__(self, limiter: CallerLimiter, key: bytes) -> None:
        self._limiter = limiter
        self._key = key
        self._semaphore: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        semaphore = self._limiter._claim(self._key)
        try:
            await semaphore.acquire()
        except BaseException:
            self._limiter._unclaim(self._key)
            raise
        self._semaphore = semaphore

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        assert self._semaphore is not None
        self._semaphore.release()
        self._limiter._unclaim(self._key)
