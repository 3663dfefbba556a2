"""Retries of Synapse calls: every attempt through one loop, all within the request's budget.

Every call the adapter makes is a read (bundle2 and fileHandle/batch are POSTs that change
nothing), so each may be retried: on 429, 502, 503, 504, a dropped connection or a timeout,
with exponential backoff and full jitter, honouring Retry-After when a proxy adds one
(Synapse's own 429s carry none). No wait ever runs past the request's deadline.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from adapter.errors import AdapterError
from adapter.logs import get_logger

log = get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long one DRS request may spend on Synapse, and how retries are spaced."""

    budget_s: float = 10.0
    base_delay_s: float = 0.05
    max_delay_s: float = 2.0
    # Attempts in all while Synapse cannot be connected to: an outage is not waited out.
    unreachable_attempts: int = 3


class Retryable(Exception):
    """A failed attempt worth another: carries the error to answer with if none succeeds."""

    def __init__(
        self,
        final: AdapterError,
        retry_after: float | None = None,
        *,
        budget_cut: bool = False,
        unreachable: bool = False,
    ) -> None:
        super().__init__(final.msg)
        self.final = final
        self.retry_after = retry_after
        self.budget_cut = budget_cut  # the attempt was stopped by our deadline, not by Synapse
        self.unreachable = unreachable  # no connection could be made at all


class Retrier:
    """Runs an attempt until it succeeds, fails for good, or the deadline leaves no room.

    One loop for every attempt, written out: tenacity's AsyncRetrying did the same at 27 us
    per Synapse call on the success path (it inspects its callbacks on every attempt), a
    seventh of what the service added to an uncached read; this loop costs under 1 us.
    """

    def __init__(self, policy: RetryPolicy, on_retry: Callable[[str], None]) -> None:
        self.policy = policy
        self._on_retry = on_retry

    async def run(
        self, endpoint: str, attempt: Callable[[float], Awaitable[T]], deadline: float
    ) -> T:
        """`attempt(remaining_s)` until it returns; its last error once retrying must stop.
        `deadline` is on time.monotonic()'s clock (adapter/context.py)."""
        last_from_synapse: Retryable | None = None
        number = 0
        while True:
            number += 1
            try:
                return await attempt(deadline - time.monotonic())
            except Retryable as failure:
                if not failure.budget_cut:
                    last_from_synapse = failure
                wait = self._wait(number, failure)
                out_of_time = time.monotonic() + wait >= deadline
                unreachable = failure.unreachable and number >= self.policy.unreachable_attempts
                if out_of_time or unreachable:
                    # An attempt cut short by our own budget says nothing about Synapse: answer
                    # with what Synapse last did (a 503 stays a 503), unless that was all.
                    final = (last_from_synapse or failure).final
                    log.warning("synapse_gave_up", endpoint=endpoint, error=final.msg)
                    raise final from None
                self._on_retry(endpoint)
                await asyncio.sleep(wait)

    def _wait(self, failed_attempts: int, failure: Retryable) -> float:
        """Exponential backoff with full jitter, never under the Retry-After Synapse sent."""
        ceiling = min(
            self.policy.max_delay_s, self.policy.base_delay_s * 2 ** (failed_attempts - 1)
        )
        jitter = random.uniform(0, ceiling)  # noqa: S311 - spacing retries, not a secret
        return max(jitter, failure.retry_after or 0.0)


def retry_after_s(value: str | None) -> float | None:
    """Retry-After in seconds (the delta form; an HTTP date is rare from proxies: ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 120 else None
