"""The cache in front of Synapse reads: aiocache (memory, or a shared Redis) plus single-flight.

What is cached: entity bundles and raw file handles, per caller and id, and Synapse's 404s for
a shorter time. Presigned URLs are never cached: they live about 30 s, and a shared cache would
hand one caller's URL to another. How an entry is stored is chosen once, with the backend: in
process, the validated model itself; in Redis, Synapse's JSON as it came (never a pickle: a
shared Redis must not become a code-execution path).
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import orjson
from aiocache import Cache
from aiocache.serializers import StringSerializer
from pydantic import BaseModel, ValidationError

from adapter.caller import Caller
from adapter.errors import NotFound
from adapter.logs import get_logger
from adapter.metrics import Metrics
from adapter.rendering import MAX_KEPT_BYTES, Rendered

log = get_logger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

KEY_VERSION = "drs1"  # bump when the shape of cached values changes
MIN_TTL_S = 0.001  # shorter cache lives (0 included) mean: not cached


# How many hosts' renderings one in-process entry keeps (adapter/rendering.py): a service
# behind one name needs one; a Host header per request must not grow an entry without end.
MAX_RENDERINGS = 2


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    """What the cache holds for a key: a value, or the "not found" Synapse gave; and the
    DrsObject bodies rendered from it, per host."""

    value: T | None = None
    not_found: str | None = None
    renderings: dict[str, Rendered] = field(default_factory=dict, compare=False, repr=False)

    def get(self) -> T:
        """The value, or the 404 Synapse gave for it."""
        if self.not_found is not None:
            raise NotFound(self.not_found)
        assert self.value is not None
        return self.value

    def rendering(self, host: str) -> Rendered | None:
        return self.renderings.get(host)

    def keep(self, host: str, rendered: Rendered) -> None:
        """Keep a body rendered from this entry, for as long as the entry lives. In process,
        a cached read then neither builds nor serialises anything; a Redis entry is new on
        every read, so what it keeps goes with it."""
        if len(self.renderings) < MAX_RENDERINGS and len(rendered.body) <= MAX_KEPT_BYTES:
            self.renderings[host] = rendered


class Codec(Protocol):
    """How entries are kept by one kind of backend."""

    def encode(self, entry: Entry[Any], json: bytes | None) -> object:
        """What is stored: from the entry, or the JSON its value was read from."""

    def decode(self, stored: object, model: type[M]) -> Entry[M] | None:
        """The entry back, or None when what is stored cannot be read."""


class ObjectCodec:
    """In process: the entry itself, nothing encoded or parsed on a hit."""

    def encode(self, entry: Entry[Any], json: bytes | None) -> object:
        return entry  # the model is enough: the JSON is not kept

    def decode(self, stored: object, model: type[M]) -> Entry[M] | None:
        return stored if isinstance(stored, Entry) else None


class _Envelope(BaseModel, Generic[M]):
    value: M | None = None
    not_found: str | None = None


class JsonCodec:
    """Shared (Redis): `{"value": <Synapse's JSON as it came>}` or `{"not_found": "..."}`,
    read back in one pass by pydantic-core (no dump, no second parse)."""

    def __init__(self) -> None:
        self._envelopes: dict[type[BaseModel], type[_Envelope[Any]]] = {}

    def encode(self, entry: Entry[Any], json: bytes | None) -> object:
        if entry.not_found is not None:
            return orjson.dumps({"not_found": entry.not_found}).decode()
        assert json is not None, "a shared cache keeps JSON"
        return orjson.dumps({"value": orjson.Fragment(json)}).decode()

    def decode(self, stored: object, model: type[M]) -> Entry[M] | None:
        if not isinstance(stored, str):
            return None
        try:
            envelope = self._envelope(model).model_validate_json(stored)
        except ValidationError:
            return None
        if envelope.value is None and envelope.not_found is None:
            return None  # neither: nothing to answer with
        return Entry(envelope.value, envelope.not_found)

    def _envelope(self, model: type[M]) -> type[_Envelope[M]]:
        # Parametrising a generic model costs more than a read: once per model.
        envelope = self._envelopes.get(model)
        if envelope is None:
            envelope = self._envelopes[model] = _Envelope[model]  # type: ignore[valid-type]
        return envelope


class Backend(Protocol):
    """Where entries are kept: aiocache's Redis backend, or `BoundedMemory`."""

    async def get(self, key: str) -> object: ...

    async def set(self, key: str, value: object, ttl: float) -> object: ...

    async def exists(self, key: str) -> bool: ...

    async def close(self) -> object: ...


class BoundedMemory:
    """In process: at most `max_entries` entries, the least recently used dropped first, each
    gone after its own time to live. An expired entry is dropped when it is read, and all of
    them at the first write a second after the last sweep and whenever they are counted
    (the drs_cache_entries gauge), so memory returns to its baseline once all expired.

    An OrderedDict in LRU order, each value with its expiry: a read is one dict look-up and
    a move to the end (0.14 us against cachetools' TLRUCache at 1.06 us, microbench; its
    timer and expiry bookkeeping run in Python on every read), and `peek` answers without
    an await, so a cached read goes through no coroutine of the cache at all.
    """

    SWEEP_INTERVAL_S = 1.0

    def __init__(self, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._next_sweep = clock() + self.SWEEP_INTERVAL_S

    def peek(self, key: str) -> object:
        """The live value for `key` now, or None."""
        item = self._entries.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return item[1]

    async def get(self, key: str) -> object:
        return self.peek(key)

    async def set(self, key: str, value: object, ttl: float) -> None:
        now = self._clock()
        entries = self._entries
        entries[key] = (now + ttl, value)
        entries.move_to_end(key)
        while len(entries) > self._max:
            entries.popitem(last=False)
        if now >= self._next_sweep:
            self._sweep(now)

    async def exists(self, key: str) -> bool:
        return self.peek(key) is not None

    async def close(self) -> None:
        self._entries.clear()

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self.SWEEP_INTERVAL_S
        for key in [key for key, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[key]

    def __len__(self) -> int:
        self._sweep(self._clock())
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class Store:
    """A cache backend and the codec its entries are kept with."""

    backend: Backend
    codec: Codec


def make_store(
    url: str | None, *, timeout_s: float, max_entries: int, ca_file: str | None = None
) -> Store:
    """Bounded memory by default; Redis (shared by replicas) when a cache URL is configured:
    `redis://` or, with TLS, `rediss://`, with an optional user and password
    (`rediss://user:password@host:6380/0`) as managed Redis services give them."""
    if not url:
        return Store(BoundedMemory(max_entries), ObjectCodec())
    parsed = urllib.parse.urlsplit(url)
    pool: dict[str, Any] = {}
    if parsed.username:
        pool["username"] = urllib.parse.unquote(parsed.username)
    tls = parsed.scheme == "rediss"
    if tls:
        pool["ssl_cert_reqs"] = ssl.CERT_REQUIRED
        if ca_file:
            pool["ssl_ca_certs"] = ca_file
    backend = Cache(
        Cache.REDIS,
        endpoint=parsed.hostname or "127.0.0.1",
        port=parsed.port or 6379,
        db=int(parsed.path.strip("/") or 0),
        password=urllib.parse.unquote(parsed.password) if parsed.password else None,
        ssl=tls,
        connection_pool_kwargs=pool,
        serializer=StringSerializer(),  # the codec makes the text; stored as it is
        timeout=timeout_s,
    )
    return Store(backend, JsonCodec())


class _LeaderGone(Exception):
    """The caller making a shared call was cancelled: its call went with it."""


class SingleFlight:
    """Concurrent identical reads share one upstream call (per key, which names the caller).

    The first caller makes the call itself, in its own task; callers arriving meanwhile wait,
    shielded, for its outcome, so one of them giving up disturbs nobody. An uncontended read
    (nearly every one) so costs no task and no turn of the event loop: running the call in a
    task of its own, as this class once did, added 0.1 ms to every uncached read under wrk
    (the service added 0.36-0.37 ms to Synapse's latency without it, 0.46-0.50 ms with it,
    same rounds). If the first caller is cancelled (at shutdown: aiohttp does not cancel a
    handler whose client left), its call is abandoned and the waiters start another.
    """

    def __init__(self) -> None:
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    async def do(self, key: str, fetch: Callable[[], Awaitable[T]]) -> T:
        while (shared := self._inflight.get(key)) is not None:
            try:
                result: T = await asyncio.shield(shared)
            except _LeaderGone:
                continue  # ask again: the first to do so makes the call
            return result
        outcome = self._inflight[key] = asyncio.get_running_loop().create_future()
        try:
            value = await fetch()
        except asyncio.CancelledError:
            outcome.set_exception(_LeaderGone())
            raise
        except Exception as exc:
            outcome.set_exception(exc)
            raise
        else:
            outcome.set_result(value)
            return value
        finally:
            del self._inflight[key]
            if outcome.done() and not outcome.cancelled():
                outcome.exception()  # retrieved here: an error nobody waited for is not "lost"


class ReadCache:
    """Get-or-fetch in front of Synapse: a broken cache is skipped, never fatal."""

    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        *,
        ttl_s: float,
        not_found_ttl_s: float,
        error_log_interval_s: float = 30.0,
    ) -> None:
        self.store = store
        self._backend = store.backend
        memory = store.backend
        self._memory = memory if isinstance(memory, BoundedMemory) else None
        self._codec = store.codec
        self._metrics = metrics
        self._ttl = ttl_s
        self._not_found_ttl = not_found_ttl_s
        self._flights = SingleFlight()
        self._log_interval = error_log_interval_s
        self._last_error_log = -float("inf")
        self.up = True  # the last operation succeeded (the drs_cache_up gauge)

    @staticmethod
    def key(kind: str, caller: Caller, ident: str) -> str:
        """A cache key: what, for whom (the caller's key, never the token), which."""
        return f"{KEY_VERSION}:{kind}:{caller.key}:{ident}"

    def hit(self, key: str) -> Entry[Any] | None:
        """In process, the live entry for `key` now, without an await (a cached read then runs
        no coroutine of the cache); None when absent, or when the cache is shared (Redis):
        then `entry`."""
        if self._memory is None:
            return None
        stored = self._memory.peek(key)
        if not isinstance(stored, Entry):
            return None
        self._metrics.cache_results["hit"] += 1
        return stored

    async def entry(
        self, key: str, model: type[M], fetch: Callable[[], Awaitable[tuple[M, bytes]]]
    ) -> Entry[M]:
        """The cached entry for `key`, or the fetched one (then stored); a 404 Synapse gave
        raises (`Entry.get` raises a cached one).

        `fetch` answers the validated value and the JSON it was read from, or raises.
        Called once `hit` found nothing: in process, the store is not read a second time.
        """
        stored = None if self._memory is not None else await self._get(key)
        if stored is not None:
            entry = self._codec.decode(stored, model)
            if entry is None:
                self._failed("decode", ValueError("unreadable cache entry"))
            else:
                self._metrics.cache_results["hit"] += 1
                return entry
        self._metrics.cache_results["miss"] += 1
        return await self._flights.do(key, lambda: self._fetch_and_store(key, fetch))

    async def get_or_fetch(
        self, key: str, model: type[M], fetch: Callable[[], Awaitable[tuple[M, bytes]]]
    ) -> M:
        """The value `entry` finds or fetches; cached 404s re-raise."""
        found = self.hit(key)
        if found is None:
            found = await self.entry(key, model, fetch)
        value: M = found.get()
        return value

    async def _fetch_and_store(
        self, key: str, fetch: Callable[[], Awaitable[tuple[M, bytes]]]
    ) -> Entry[M]:
        try:
            value, json = await fetch()
        except NotFound as exc:
            await self._set(key, Entry(not_found=exc.msg), None, self._not_found_ttl)
            raise
        entry = Entry(value)
        await self._set(key, entry, json, self._ttl)
        return entry

    async def _get(self, key: str) -> object:
        try:
            stored = await self._backend.get(key)
        except Exception as exc:  # noqa: BLE001 - any cache failure means: serve uncached
            self._failed("get", exc)
            return None
        self._answered()
        return stored

    async def _set(self, key: str, entry: Entry[Any], json: bytes | None, ttl: float) -> None:
        if ttl < MIN_TTL_S:
            # A life of 0 turns caching off. aiocache would keep a 0-second value in memory
            # for ever, and Redis refuses a TTL under its millisecond resolution.
            return
        try:
            await self._backend.set(key, self._codec.encode(entry, json), ttl=ttl)
        except Exception as exc:  # noqa: BLE001 - any cache failure means: serve uncached
            self._failed("set", exc)
        else:
            self._answered()

    def _answered(self) -> None:
        if not self.up:
            self.up = True
            self._metrics.cache_up.set(1)
            log.info("cache_available")

    def _failed(self, operation: str, exc: Exception) -> None:
        self._metrics.cache_results["error"] += 1
        if self.up:
            self.up = False
            self._metrics.cache_up.set(0)
        now = time.monotonic()
        if now - self._last_error_log >= self._log_interval:
            self._last_error_log = now
            log.warning("cache_unavailable", operation=operation, error_type=type(exc).__name__)

    async def ping(self) -> bool:
        """Whether the cache answers now (for readiness)."""
        try:
            await self._backend.exists(f"{KEY_VERSION}:ping")
        except Exception as exc:  # noqa: BLE001 - readiness only reports
            self._failed("ping", exc)
            return False
        self._answered()
        return True

    async def close(self) -> None:
        await self._backend.close()
