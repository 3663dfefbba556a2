"""The cache in front of Synapse reads: aiocache (memory, or a shared Redis) plus single-flight.

What is cached (issue: resilience and caching): entity bundles and raw file handles, per
caller and id (in process as validated models, in Redis as Synapse's own JSON); Synapse's
404s for a shorter time. Presigned URLs are
never cached: they live about 30 s, and a shared cache would hand one caller's URL to another.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from aiocache import Cache
from aiocache.base import BaseCache
from aiocache.serializers import NullSerializer, StringSerializer
from pydantic import BaseModel, ValidationError

from adapter.errors import BadGateway, NotFound
from adapter.logs import get_logger
from adapter.metrics import Metrics

log = get_logger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

KEY_VERSION = "drs1"  # bump when the shape of cached values changes
MIN_TTL_S = 0.001  # shorter cache lives (0 included) mean: not cached


class _Entry(BaseModel, Generic[M]):
    """A cache entry: Synapse's answer, or the "not found" Synapse gave."""

    value: M | None = None
    not_found: str | None = None


class SingleFlight:
    """Concurrent identical reads share one upstream call (per key, which names the caller).

    The first caller (the leader) makes the call in its own task: no task of its own and no
    extra turn of the event loop for the usual, uncontended read. Later callers wait for its
    outcome, shielded: one of them giving up disturbs no other. Should the leader itself be
    cancelled, a waiter that was not takes over and makes the call again.
    """

    def __init__(self) -> None:
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    async def do(self, key: str, fetch: Callable[[], Awaitable[T]]) -> T:
        while True:
            flight = self._inflight.get(key)
            if flight is None:
                return await self._lead(key, fetch)
            try:
                result: T = await asyncio.shield(flight)
                return result
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not flight.cancelled() or (task is not None and task.cancelling()):
                    raise
                # The leader was cancelled, not this waiter: the next turn calls again.

    async def _lead(self, key: str, fetch: Callable[[], Awaitable[T]]) -> T:
        flight: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._inflight[key] = flight
        try:
            result = await fetch()
        except Exception as exc:
            flight.set_exception(exc)
            flight.exception()  # retrieved here, so an error nobody waited for is not "lost"
            raise
        else:
            flight.set_result(result)
            return result
        finally:
            if not flight.done():  # cancelled (or interrupted): waiters take over
                flight.cancel()
            del self._inflight[key]


class ReadCache:
    """Get-or-fetch over aiocache (models in process, JSON in Redis); a broken cache is
    skipped, never fatal."""

    def __init__(
        self,
        backend: BaseCache,
        metrics: Metrics,
        *,
        key_salt: bytes,
        ttl_s: float,
        not_found_ttl_s: float,
        error_log_interval_s: float = 30.0,
    ) -> None:
        self.backend = backend
        self._metrics = metrics
        self._salt = key_salt
        self._ttl = ttl_s
        self._not_found_ttl = not_found_ttl_s
        self._flights = SingleFlight()
        self._log_interval = error_log_interval_s
        self._last_error_log = -float("inf")
        # An in-process backend keeps the validated models themselves (nothing to encode or
        # parse on a hit); a shared one (Redis) keeps JSON text, never pickles.
        self._in_process = isinstance(backend.serializer, NullSerializer)
        self._entries: dict[type[BaseModel], type[_Entry[Any]]] = {}

    def caller(self, token: str | None) -> str:
        """The caller part of a key: a keyed BLAKE2b MAC of the token; never the token itself."""
        if token is None:
            return "anonymous"
        return hashlib.blake2b(token.encode(), key=self._salt, digest_size=16).hexdigest()

    def key(self, kind: str, token: str | None, ident: str) -> str:
        return f"{KEY_VERSION}:{kind}:{self.caller(token)}:{ident}"

    async def get_or_fetch(
        self, key: str, model: type[M], fetch: Callable[[], Awaitable[bytes]]
    ) -> M:
        """The cached value for `key`, or the fetched one (then stored); cached 404s re-raise.

        `fetch` returns Synapse's JSON as it came: it is stored as it is, inside a small JSON
        envelope, and read back in one pass by pydantic-core (no dump, no second parse).
        """
        cached = await self._get(key)
        if cached is not None:
            entry = self._decode(model, cached)
            if entry is not None:
                self._metrics.cache_hit.inc()
                if entry.not_found is not None:
                    raise NotFound(entry.not_found)
                if entry.value is not None:
                    value: M = entry.value
                    return value
        self._metrics.cache_miss.inc()
        return await self._flights.do(key, lambda: self._fetch_and_store(key, model, fetch))

    def _entry(self, model: type[M]) -> type[_Entry[M]]:
        # Parametrising a generic model on every read costs more than the read: once per model.
        entry = self._entries.get(model)
        if entry is None:
            entry = self._entries[model] = _Entry[model]  # type: ignore[valid-type]
        return entry

    def _decode(self, model: type[M], cached: object) -> _Entry[M] | None:
        """A stored entry back as a model; an unreadable one is a cache failure (None)."""
        entry_model = self._entry(model)
        if isinstance(cached, entry_model):
            return cached
        if isinstance(cached, str):
            try:
                return entry_model.model_validate_json(cached)
            except ValidationError:
                pass
        self._failed("decode", ValueError("unreadable cache entry"))
        return None

    async def _fetch_and_store(
        self, key: str, model: type[M], fetch: Callable[[], Awaitable[bytes]]
    ) -> M:
        try:
            raw = await fetch()
        except NotFound as exc:
            missing = (
                self._entry(model)(not_found=exc.msg)
                if self._in_process
                else json.dumps({"not_found": exc.msg})
            )
            await self._set(key, missing, self._not_found_ttl)
            raise
        try:
            value = model.model_validate_json(raw)
        except ValidationError as exc:
            raise BadGateway("Synapse sent a malformed answer") from exc
        # In process, the model; in Redis, Synapse's JSON as it came inside a small envelope
        # (read back in one pass, no dump and no second parse).
        entry = self._entry(model)(value=value) if self._in_process else None
        await self._set(key, entry or f'{{"value":{raw.decode()}}}', self._ttl)
        return value

    async def _get(self, key: str) -> object:
        try:
            return await self.backend.get(key)
        except Exception as exc:  # noqa: BLE001 - any cache failure means: serve uncached
            self._failed("get", exc)
            return None

    async def _set(self, key: str, value: object, ttl: float) -> None:
        if ttl < MIN_TTL_S:
            # A life of 0 turns caching off. aiocache would keep a 0-second value in memory
            # for ever, and Redis refuses a TTL under its millisecond resolution.
            return
        try:
            await self.backend.set(key, value, ttl=ttl)
        except Exception as exc:  # noqa: BLE001 - any cache failure means: serve uncached
            self._failed("set", exc)

    def _failed(self, operation: str, exc: Exception) -> None:
        self._metrics.cache_error.inc()
        now = time.monotonic()
        if now - self._last_error_log >= self._log_interval:
            self._last_error_log = now
            log.warning("cache_unavailable", operation=operation, error_type=type(exc).__name__)

    async def ping(self) -> bool:
        """Whether the cache answers now (for readiness)."""
        try:
            await self.backend.exists(f"{KEY_VERSION}:ping")
        except Exception as exc:  # noqa: BLE001 - readiness only reports
            self._failed("ping", exc)
            return False
        return True


def make_backend(url: str | None, timeout_s: float) -> BaseCache:
    """Memory by default; Redis (shared by replicas) when a redis:// URL is configured."""
    # Redis values are JSON text made here (StringSerializer stores them as they are); never
    # pickle: a shared Redis must not become a code-execution path.
    if not url:
        # In process: the validated models themselves (NullSerializer), and no per-operation
        # timeout (an in-process dict cannot hang, and a timeout costs a task each).
        return Cache(Cache.MEMORY, serializer=NullSerializer(), timeout=None)
    backend: BaseCache = Cache.from_url(url)
    backend.serializer = StringSerializer()
    backend.timeout = timeout_s
    return backend
