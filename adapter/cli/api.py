"""The DRS service's public API as the command line uses it: objects, access URLs, in bulk.

Every call carries the caller's bearer token; that header lives on these calls alone, so it
cannot reach a storage URL. Failures come back as `ApiError` with the service's own `msg`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

from adapter.cli.uris import Target

# Answers worth asking again: throttled, or the service (or Synapse behind it) briefly away.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
DEFAULT_MAX_BULK = 1000
FIRST_WAIT_S = 0.25  # then doubled after each failed attempt, up to MAX_WAIT_S
MAX_WAIT_S = 4.0

T = TypeVar("T")


class ApiError(Exception):
    """The service said no: its HTTP status and its DRS Error `msg`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return f"{self.status}: {self.message}" if self.status else self.message


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, ApiError):
        return exc.status in RETRY_STATUSES
    return isinstance(exc, aiohttp.ClientConnectionError | TimeoutError)


@dataclass(frozen=True, slots=True)
class Signed:
    """A presigned URL and the headers DRS says to send with it (never our token)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_access_url(cls, body: dict[str, Any]) -> Signed:
        headers: dict[str, str] = {}
        for line in body.get("headers") or []:
            name, sep, value = str(line).partition(":")
            if sep and name.strip():
                headers[name.strip()] = value.strip()
        return cls(str(body["url"]), headers)


@dataclass
class BulkAnswer:
    """Resolved items by key, and failed keys with their HTTP status."""

    resolved: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)


class DrsApi:
    """Calls one or more DRS services (by base URL) with one token and one HTTP session."""

    def __init__(self, session: aiohttp.ClientSession, token: str | None, attempts: int = 4):
        self._session = session
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._attempts = attempts
        self._max_bulk: dict[str, int] = {}

    async def _call(self, method: str, url: str, body: Any = None) -> Any:
        """`_once` until it answers, fails for good, or `attempts` are spent; waits of 0.25 s,
        0.5 s, 1 s... (at most 4 s) between attempts. A plain loop, as the service's retrier
        is: importing tenacity for it cost the command 12 ms of start-up on every run."""
        wait = FIRST_WAIT_S
        number = 1
        while True:
            try:
                return await self._once(method, url, body)
            except (ApiError, aiohttp.ClientError, TimeoutError) as exc:
                if number >= self._attempts or not _retryable(exc):
                    if isinstance(exc, ApiError):
                        raise
                    raise ApiError(0, f"cannot reach {url}: {_why(exc)}") from None
            await asyncio.sleep(wait)
            wait = min(wait * 2, MAX_WAIT_S)
            number += 1

    async def _once(self, method: str, url: str, body: Any) -> Any:
        async with self._session.request(method, url, json=body, headers=self._headers) as response:
            raw = await response.read()
            if response.status >= 400:
                raise ApiError(response.status, _message(response.status, raw))
            try:
                return json.loads(raw)
            except ValueError:
                raise ApiError(0, f"{url} answered {response.status} with no JSON") from None

    async def max_bulk(self, base: str) -> int:
        """`maxBulkRequestLength` from service-info (once per server), 1,000 if it says none."""
        if base not in self._max_bulk:
            try:
                info = await self._call("GET", f"{base}/service-info")
            except ApiError:
                info = {}
            value = info.get("maxBulkRequestLength") if isinstance(info, dict) else None
            self._max_bulk[base] = (
                value if isinstance(value, int) and value > 0 else DEFAULT_MAX_BULK
            )
        return self._max_bulk[base]

    async def get_object(self, target: Target) -> dict[str, Any]:
        answer: dict[str, Any] = await self._call("GET", target.object_url)
        return answer

    async def access_url(self, base: str, object_id: str, access_id: str) -> Signed:
        """One access URL: one Synapse call; used to re-sign, and for a failure's message."""
        url = f"{base}/objects/{quote(object_id, safe='')}/access/{quote(access_id, safe='')}"
        return Signed.from_access_url(await self._call("GET", url))

    async def bulk_objects(self, base: str, object_ids: Sequence[str]) -> BulkAnswer:
        """`POST /objects` in requests of at most maxBulkRequestLength ids; keyed by the id
        as sent. Ids must be distinct (the service resolves duplicates once)."""
        answer = BulkAnswer()
        for chunk in _chunks(object_ids, await self.max_bulk(base)):
            body = await self._call("POST", f"{base}/objects", {"bulk_object_ids": chunk})
            failed = _unresolved(body)
            answer.failed.update(failed)
            resolved = iter(body.get("resolved_drs_object") or [])
            # Resolved objects come back in request order, the unresolved left out.
            for object_id in chunk:
                if object_id not in failed:
                    answer.resolved[object_id] = next(resolved)
        return answer

    async def bulk_access(
        self, base: str, pairs: Sequence[tuple[str, str]], chunk_size: int
    ) -> BulkAnswer:
        """`POST /objects/access` for (object id, access id) pairs, `chunk_size` per request;
        resolved keyed by object id (one access id per object here)."""
        answer = BulkAnswer()
        limit = min(chunk_size, await self.max_bulk(base))
        for chunk in _chunks(pairs, limit):
            entries = [{"bulk_object_id": o, "bulk_access_ids": [a]} for o, a in chunk]
            body = await self._call(
                "POST", f"{base}/objects/access", {"bulk_object_access_ids": entries}
            )
            answer.failed.update(_unresolved(body))
            for item in body.get("resolved_drs_object_access_urls") or []:
                answer.resolved[str(item["drs_object_id"])] = Signed.from_access_url(item)
        return answer


def _chunks(items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _unresolved(body: dict[str, Any]) -> dict[str, int]:
    failed: dict[str, int] = {}
    for group in body.get("unresolved_drs_objects") or []:
        for object_id in group.get("object_ids") or []:
            failed[str(object_id)] = int(group.get("error_code") or 0)
    return failed


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _message(status: int, raw: bytes) -> str:
    """The DRS Error's `msg`, else a short account of what came back."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("msg"), str):
        return str(body["msg"])
    return f"the service answered HTTP {status} without a DRS Error"
