"""The metadata credential's budget: the operator's Synapse user, spent fairly for callers.

The metadata credential (`synapse_metadata_token`) is one Synapse user, so Synapse holds it to
one user's limits (docs/synapse.md, "Throttling"): 3 calls in flight and 600 a minute, for all
replicas together. The policy (docs/behaviour.md §4, "The metadata credential's budget"):

- **Rate.** At most `metadata_calls_per_minute` calls in any 60 s (a moving window, under
  Synapse's 600), every attempt counted. The count lives in the Redis of `cache_url` when one is
  configured, so every replica shares it; otherwise in the process. Should Redis fail, the
  count falls back to the process until Redis answers again.
- **Shares.** No caller may spend more than `metadata_caller_share` of that rate. A token caller
  is one caller across its requests; each anonymous request is a caller of its own (see
  `share_key`), and all anonymous requests together may spend at most
  `metadata_anonymous_share`, so callers with a token always have the rest.
- **Refusal.** A read over any of these limits is refused at once, 429 with a `Retry-After`
  saying when the window frees a call: nothing queues for the budget.
- **In flight.** The credential's calls share the client's per-caller concurrency limit
  (`max_concurrent_per_user`, 3, per process), and one caller may hold all but one of those
  slots, so another caller's read always finds one free.
- **Throttled anyway** (Synapse's 429, e.g. from other replicas in flight or another user of the
  credential): not retried (`SynapseClient`), the read fails at once with 503.
- **Rejected** (Synapse's 401: the credential expired or was revoked): callers get what they get
  without a credential (403, no DOWNLOAD; `Resolver`), the failure is counted
  (`drs_synapse_metadata_credential_failures_total`) and logged at ERROR at most once a minute.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis.asyncio
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from adapter.caller import Caller, share_key
from adapter.errors import TooManyRequests
from adapter.logs import get_logger
from adapter.metrics import Metrics
from adapter.synapse.limits import CallerLimiter

log = get_logger(__name__)

MSG_OVER_SHARE = (
    "Too many metadata reads: this service reads size and md5 of files you may not download "
    "with a shared Synapse credential, and its budget for you is spent. Retry later."
)
KEY_PREFIX = "drs1:budget"  # Redis keys: <prefix>:<limit>/<credential>/<who>/<amount>/1/minute


@dataclass(frozen=True, slots=True)
class BudgetPolicy:
    """How much of the credential anyone may spend (defaults: the settings' defaults)."""

    per_minute: int = 500
    caller_share: float = 0.25
    anonymous_share: float = 0.5
    concurrent: int = 3  # the credential's calls in flight per process (the client's limit)


class MetadataBudget:
    """Admits each call made with the metadata credential on someone's behalf, or refuses it."""

    def __init__(
        self,
        credential: Caller,
        policy: BudgetPolicy,
        metrics: Metrics,
        *,
        redis_url: str | None = None,
        timeout_s: float = 0.25,
        error_log_interval_s: float = 60.0,
    ) -> None:
        self._credential = credential.key
        self._metrics = metrics
        self._timeout = timeout_s
        self._total = RateLimitItemPerMinute(policy.per_minute, namespace="total")
        self._share = RateLimitItemPerMinute(_part(policy, policy.caller_share), namespace="caller")
        self._anonymous = RateLimitItemPerMinute(
            _part(policy, policy.anonymous_share), namespace="anonymous"
        )
        self._slots = CallerLimiter(max(1, policy.concurrent - 1))
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._pool: redis.asyncio.ConnectionPool | None = None
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url and redis_url.startswith(("redis://", "rediss://")):
            self._pool = redis.asyncio.ConnectionPool.from_url(
                redis_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
            )
            storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                connection_pool=self._pool,  # type: ignore[arg-type]  # passed to redis-py
            )
            self._shared = MovingWindowRateLimiter(storage)
        self._log_interval = error_log_interval_s
        self._last_rejection_log = -math.inf
        self._last_storage_log = -math.inf

    @asynccontextmanager
    async def spend(self, beneficiary: Caller) -> AsyncIterator[None]:
        """`async with budget.spend(caller):` one call for `caller`; TooManyRequests at once
        when a limit is reached, else a concurrency slot held for the block."""
        who = share_key(beneficiary)
        await self._admit(who, anonymous=beneficiary.anonymous)
        async with self._slots.slot(who):
            yield

    def credential_rejected(self) -> None:
        """Synapse answered 401 to the credential: count it; log at ERROR now and then."""
        self._metrics.metadata_credential_failures.inc()
        now = time.monotonic()
        if now - self._last_rejection_log >= self._log_interval:
            self._last_rejection_log = now
            log.error(
                "metadata_credential_rejected",
                detail="Synapse refused the metadata credential (401, expired or revoked): "
                "renew synapse_metadata_token; until then callers without DOWNLOAD get 403",
            )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()

    async def _admit(self, who: str, *, anonymous: bool) -> None:
        # Narrowest first: a refusal by the caller's share spends nothing of the others.
        limits: list[tuple[RateLimitItem, str]] = [(self._share, who)]
        if anonymous:
            limits.append((self._anonymous, "anonymous"))
        limits.append((self._total, "all"))
        for item, ident in limits:
            if not await self._hit(item, ident):
                self._metrics.metadata_budget_refusals.labels(item.namespace).inc()
                raise TooManyRequests(MSG_OVER_SHARE, await self._retry_after(item, ident))

    async def _hit(self, item: RateLimitItem, ident: str) -> bool:
        if self._shared is not None:
            try:
                async with asyncio.timeout(self._timeout):
                    return await self._shared.hit(item, self._credential, ident)
            except Exception as exc:  # noqa: BLE001 - any Redis failure: count in process
                self._storage_failed(exc)
        return await self._memory.hit(item, self._credential, ident)

    async def _retry_after(self, item: RateLimitItem, ident: str) -> int:
        """Whole seconds until the window frees a call (at least 1)."""
        limiter = self._memory
        if self._shared is not None:
            limiter = self._shared
        try:
            async with asyncio.timeout(self._timeout):
                stats = await limiter.get_window_stats(item, self._credential, ident)
        except Exception as exc:  # noqa: BLE001 - Redis failed: the window's length is safe
            self._storage_failed(exc)
            return item.get_expiry()
        return min(item.get_expiry(), max(1, math.ceil(stats.reset_time - time.time())))

    def _storage_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_storage_log >= self._log_interval:
            self._last_storage_log = now
            log.warning("metadata_budget_unshared", error_type=type(exc).__name__)


def _part(policy: BudgetPolicy, share: float) -> int:
    """A share of the per-minute budget, in whole calls (at least one)."""
    return max(1, math.floor(policy.per_minute * share))
