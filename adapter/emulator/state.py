"""Run-time state: the fault knobs in force, Synapse's per-user throttle, and the counters."""

from __future__ import annotations

import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapter.emulator.config import EmulatorConfig, FaultSettings


def concurrency_reason(limit: int) -> str:
    return f"Too many concurrent requests. Allowed {limit} concurrent connections at any time."


def frequency_reason(limit: int, period_s: float) -> str:
    return f"Requests are too frequent. Allowed {limit} requests every {period_s:g} seconds."


class Throttle:
    """Synapse's two per-user limits: concurrent calls in flight, and calls per time block.

    A rejected call holds no slot and is not counted against the block. The block starts with
    a user's first call and lasts the whole period, as Synapse's counting semaphore does.

    Keyed by user alone, on purpose. Synapse keys both limits by user, session and address
    (HttpRequestIdentifier.getUserMachineIdentifierString: `userId|sessionId|ipAddress`, the
    session from the `sessionID` cookie it hands out), so one user's calls from two sessions
    or two machines are throttled apart there. A service calling Synapse for a user may use
    any number of sessions, so the per-user key is the limit it can count on: it is the
    stricter of the two and the one a client must respect. Anonymous calls are not throttled,
    as in Synapse's RequestThrottleFilter.
    """

    def __init__(
        self,
        max_concurrent: int,
        max_requests: int,
        period_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_concurrent = max_concurrent
        self.max_requests = max_requests
        self.period_s = period_s
        self._clock = clock
        self._slots: Counter[str] = Counter()
        self._blocks: dict[str, tuple[float, int]] = {}

    def enter(self, user_id: str) -> str | None:
        """Take a slot for `user_id`, or return the reason the call is throttled."""
        if self._slots[user_id] >= self.max_concurrent:
            return concurrency_reason(self.max_concurrent)
        now = self._clock()
        start, count = self._blocks.get(user_id, (now, 0))
        if now - start >= self.period_s:
            start, count = now, 0
        if count >= self.max_requests:
            return frequency_reason(self.max_requests, self.period_s)
        self._blocks[user_id] = (start, count + 1)
        self._slots[user_id] += 1
        return None

    def leave(self, user_id: str) -> None:
        self._slots[user_id] -= 1

    def restart_blocks(self) -> None:
        """Forget the time blocks; slots stay, as in-flight calls give theirs back on return."""
        self._blocks.clear()


@dataclass
class Counters:
    """What `GET /_emulator/stats` reports; zeroed by `POST /_emulator/reset`."""

    total_requests: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_user: Counter[str] = field(default_factory=Counter)
    in_flight: Counter[str] = field(default_factory=Counter)
    serving: Counter[str] = field(default_factory=Counter)
    max_concurrent_per_user: dict[str, int] = field(default_factory=dict)
    max_served_concurrent_per_user: dict[str, int] = field(default_factory=dict)
    throttled: int = 0
    faulted: Counter[str] = field(default_factory=Counter)
    blob_requests: int = 0
    # What storage saw: body bytes written, each request's Range header ("" for none), and
    # how many requests carried an Authorization header (clients must send none there).
    blob_bytes: int = 0
    blob_ranges: deque[str] = field(default_factory=lambda: deque(maxlen=1000))
    blob_authorized: int = 0
    request_ids: deque[str] = field(default_factory=lambda: deque(maxlen=100))

    def arrive(self, user: str) -> None:
        """Count a call in flight for `user` (throttled or not) and keep the peak."""
        self.by_user[user] += 1
        self.in_flight[user] += 1
        peak = self.max_concurrent_per_user.get(user, 0)
        self.max_concurrent_per_user[user] = max(peak, self.in_flight[user])

    def depart(self, user: str) -> None:
        self.in_flight[user] -= 1

    def start_serving(self, user: str) -> None:
        """Count a call that got past the throttle, and keep the peak of those."""
        self.serving[user] += 1
        peak = self.max_served_concurrent_per_user.get(user, 0)
        self.max_served_concurrent_per_user[user] = max(peak, self.serving[user])

    def stop_serving(self, user: str) -> None:
        self.serving[user] -= 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "total_requests": self.total_requests,
            "by_route": dict(self.by_route),
            "by_status": dict(self.by_status),
            "by_user": dict(self.by_user),
            "max_concurrent_per_user": dict(self.max_concurrent_per_user),
            "max_served_concurrent_per_user": dict(self.max_served_concurrent_per_user),
            "throttled": self.throttled,
            "faulted": dict(self.faulted),
            "blob_requests": self.blob_requests,
            "blob_bytes": self.blob_bytes,
            "blob_ranges": list(self.blob_ranges),
            "blob_authorized": self.blob_authorized,
            "request_ids": list(self.request_ids),
        }


class EmulatorState:
    """Everything that changes while serving; one per app."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.defaults = config.fault_defaults()
        self.faults: FaultSettings = self.defaults
        self.rng = random.Random(config.fault_seed)
        self.throttle = Throttle(
            config.max_concurrent, config.max_requests, config.throttle_period_s
        )
        self.counters = Counters()
        self.revoked: set[str] = set()  # tokens revoked at run time: 401 until reset

    def draw(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def latency_s(self) -> float:
        faults = self.faults
        jitter = self.rng.uniform(0, faults.jitter_ms) if faults.jitter_ms else 0.0
        return (faults.latency_ms + jitter) / 1000

    def reset(self) -> None:
        # Calls in flight finish against the same in-flight tally, so it is carried over.
        self.faults = self.defaults
        self.counters = Counters(in_flight=self.counters.in_flight, serving=self.counters.serving)
        self.throttle.restart_blocks()
        self.revoked.clear()
