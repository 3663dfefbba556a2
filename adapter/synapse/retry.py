"""Retries of Synapse calls: every attempt through tenacity, all within the request's budget.

Every call the adapter makes is a read (bundle2 and fileHandle/batch are POSTs that change
nothing), so each may be retried: on 429, 502, 503, 504, a dropped connection or a timeout,
with exponential backoff and full jitter, honouring Retry-After when a proxy adds one
(Synapse's own 429s carry none). No wait ever runs past the request's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_random_exponential

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
    """Runs an attempt until it succeeds, fails for good, or the deadline leaves no room."""

    def __init__(self, policy: RetryPolicy, on_retry: Callable[[str], None]) -> None:
        self.policy = policy
        self._on_retry = on_retry
        self._jitter = wait_random_exponential(
            multiplier=policy.base_delay_s, max=policy.max_delay_s
        )

    async def run(
        self, endpoint: str, attempt: Callable[[float], Awaitable[T]], deadline: float
    ) -> T:
        """`attempt(remaining_s)` until it returns; its last error once retrying must stop."""
        loop = asyncio.get_running_loop()
        failures: list[Retryable] = []

        def before_sleep(state: RetryCallState) -> None:
            self._on_retry(endpoint)
            failures.append(_failure(state))

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Retryable),
            wait=self._wait,
            stop=lambda state: (
                loop.time() + state.upcoming_sleep >= deadline
                or (
                    _failure(state).unreachable
                    and state.attempt_number >= self.policy.unreachable_attempts
                )
            ),
            before_sleep=before_sleep,
            reraise=True,
        )

        async def once() -> T:
            return await attempt(deadline - loop.time())

        try:
            return await retrying(once)
        except Retryable as exc:
            # An attempt cut short by our own budget says nothing about Synapse: answer with
            # what Synapse last did (a 503 stays a 503), unless that cut was all there was.
            final = failures[-1].final if exc.budget_cut and failures else exc.final
            log.warning("synapse_gave_up", endpoint=endpoint, error=final.msg)
            raise final from None

    def _wait(self, state: RetryCallState) -> float:
        retry_after = _failure(state).retry_after
        return max(self._jitter(state), retry_after or 0.0)


def _failure(state: RetryCallState) -> Retryable:
    failure = state.outcome.exception() if state.outcome is not None else None
    assert isinstance(failure, Retryable)  # tenacity retries nothing else
    return failure


def retry_after_s(value: str | None) -> float | None:
    """Retry-After in seconds (the delta form; an HTTP date is rare from proxies: ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 120 else None
