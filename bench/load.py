"""An asyncio aiohttp client with fixed concurrency and bounded work, for `bench.profile`.

`make bench` drives its load with wrk (bench/wrk.py): this client saturates before the
servers it measures. It stays for profiling, where the figure is the service's profile, not a
rate.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from adapter import DRS_BASE

DRS = DRS_BASE


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None


def get(url: str, token: str | None = None) -> Request:
    """A GET, with the caller's bearer token when there is one."""
    return Request("GET", url, {"Authorization": f"Bearer {token}"} if token else {})


@dataclass
class Outcome:
    """Latencies of the requests that completed, their statuses, and the wall time."""

    latencies: list[float]
    statuses: dict[int, int]
    errors: int
    seconds: float

    def figures(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        count = len(ordered)

        def pct(p: float) -> float:
            return ordered[min(count - 1, int(p * count))] * 1000 if count else 0.0

        return {
            "requests": count,
            "errors": self.errors,
            "rps": round(count / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(pct(0.50), 3),
            "p95_ms": round(pct(0.95), 3),
            "p99_ms": round(pct(0.99), 3),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 3) if count else 0.0,
        }


async def run(
    make: Callable[[int], Request],
    total: int,
    concurrency: int,
    max_seconds: float = 15.0,
) -> Outcome:
    """Send `make(i)` for i < total with `concurrency` workers, stopping after max_seconds."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    counter = iter(range(total))
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    started = time.perf_counter()
    stop_at = started + max_seconds
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            nonlocal errors
            for index in counter:
                if time.perf_counter() > stop_at:
                    return
                request = make(index)
                sent = time.perf_counter()
                try:
                    async with session.request(
                        request.method, request.url, headers=request.headers, json=request.json
                    ) as response:
                        await response.read()
                        statuses[response.status] = statuses.get(response.status, 0) + 1
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Outcome(latencies, statuses, errors, time.perf_counter() - started)
