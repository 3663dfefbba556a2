"""The Synapse REST client: one shared session, the caller's token per call, errors mapped."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

import aiohttp
import orjson
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_random_exponential

from adapter import context
from adapter.errors import (
    AdapterError,
    BadGateway,
    GatewayTimeout,
    ServiceUnavailable,
    from_synapse,
)
from adapter.logs import get_logger
from adapter.metrics import Metrics
from adapter.synapse.limits import CallerLimiter
from adapter.synapse.models import (
    BatchItem,
    BatchResult,
    ErrorResponse,
)

log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)


class Endpoint(NamedTuple):
    """A Synapse endpoint: its method, its path template, and its name in metrics and logs
    (the template, so labels stay few)."""

    method: str
    template: str
    name: str


def _endpoint(method: str, template: str) -> Endpoint:
    return Endpoint(method, template, f"{method} {template}")


BUNDLE2 = _endpoint("POST", "/repo/v1/entity/{id}/version/{version}/bundle2")
FILE_HANDLE = _endpoint("GET", "/file/v1/fileHandle/{id}")
FILE_HANDLE_URL = _endpoint("GET", "/file/v1/fileHandle/{id}/url")
FILE_URL = _endpoint("GET", "/file/v1/file/{id}")
BATCH = _endpoint("POST", "/file/v1/fileHandle/batch")

# Request bodies are encoded here, once where they never change: aiohttp's `json=` would
# encode them again on every call.
_BUNDLE_REQUEST = orjson.dumps({"includeEntity": True, "includeFileHandles": True})
BATCH_LIMIT = 100  # Synapse refuses more than 100 items in one fileHandle/batch call


class SynapseClient:
    """Typed calls to the Synapse endpoints the adapter uses (docs/synapse.md, "Endpoints")."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        max_concurrent_per_caller: int = 3,
        metrics: Metrics | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        # The session is the app's: made once with timeouts, a connection limit and no cookie
        # jar (a shared jar would mix callers' Synapse sessions). This class never makes one.
        self._session = session
        self._base = base_url.rstrip("/")
        self.limiter = CallerLimiter(max_concurrent_per_caller)
        self._metrics = metrics if metrics is not None else Metrics()
        self._policy = retry if retry is not None else RetryPolicy()
        self._jitter = wait_random_exponential(
            multiplier=self._policy.base_delay_s, max=self._policy.max_delay_s
        )

    async def entity_bundle_json(self, token: str | None, entity_id: str, version: int) -> bytes:
        """The entity at a version and, when the caller may download, its file handles, as
        Synapse's JSON (an `EntityBundle`; the cache stores it as it came)."""
        path = BUNDLE2.template.format(id=entity_id, version=version)
        return await self._fetch(BUNDLE2, path, token, body=_BUNDLE_REQUEST)

    async def file_handle_json(self, token: str | None, handle_id: int) -> bytes:
        """A raw file handle (Synapse shows it to its creator only), as Synapse's JSON."""
        return await self._fetch(FILE_HANDLE, FILE_HANDLE.template.format(id=handle_id), token)

    async def file_handle_url(self, token: str | None, handle_id: int) -> str:
        """A presigned URL for a raw file handle (creator only)."""
        path = FILE_HANDLE_URL.template.format(id=handle_id)
        return await self._text(FILE_HANDLE_URL, path, token, params={"redirect": "false"})

    async def entity_file_url(self, token: str | None, entity_id: str, handle_id: int) -> str:
        """A presigned URL for a file handle through the FileEntity it belongs to."""
        params = {
            "fileAssociateType": "FileEntity",
            "fileAssociateId": entity_id,
            "redirect": "false",
        }
        path = FILE_URL.template.format(id=handle_id)
        return await self._text(FILE_URL, path, token, params=params)

    async def reachable(self, timeout_s: float) -> bool:
        """Whether Synapse answers an anonymous who-am-I within `timeout_s` (for readiness)."""
        try:
            async with asyncio.timeout(timeout_s):
                async with self._session.get(
                    self._base + "/repo/v1/userProfile", headers={"Accept": "application/json"}
                ) as response:
                    await response.read()
                    return response.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False

    async def batch_urls(
        self, token: str | None, requested: list[tuple[int, str]]
    ) -> list[BatchItem]:
        """Presigned URLs for up to 100 (file handle, FileEntity id) pairs, in request order."""
        body = {
            "requestedFiles": [
                {
                    "fileHandleId": str(handle),
                    "associateObjectId": entity,
                    "associateObjectType": "FileEntity",
                }
                for handle, entity in requested
            ],
            "includeFileHandles": False,
            "includePreSignedURLs": True,
            "includePreviewPreSignedURLs": False,
        }
        body_json = orjson.dumps(body)
        answer = await self._model(BatchResult, BATCH, BATCH.template, token, body=body_json)
        return answer.requestedFiles

    async def _model(
        self,
        model: type[M],
        endpoint: Endpoint,
        path: str,
        token: str | None,
        *,
        body: bytes | None = None,
    ) -> M:
        """One call whose JSON answer is read straight into `model` (malformed: 502)."""
        answer = await self._fetch(endpoint, path, token, body=body)
        try:
            return model.model_validate_json(answer)
        except ValidationError as exc:
            raise BadGateway("Synapse sent a malformed answer") from exc

    async def _text(
        self, endpoint: Endpoint, path: str, token: str | None, *, params: dict[str, str]
    ) -> str:
        body = await self._fetch(endpoint, path, token, params=params)
        text = body.decode("utf-8", errors="replace").strip()
        if not text.startswith(("https://", "http://")):
            raise BadGateway("Synapse sent a malformed URL")
        return text

    async def _fetch(
        self,
        endpoint: Endpoint,
        path: str,
        token: str | None,
        *,
        body: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> bytes:
        """One Synapse call, retried within the request's budget; its body, or an AdapterError.

        Every call the adapter makes is a read (bundle2 and fileHandle/batch are POSTs that
        change nothing), so each may be retried: on 429, 502, 503, 504, a dropped connection
        or a timeout, with exponential backoff and full jitter, honouring Retry-After when a
        proxy adds one (Synapse's own 429s carry none).
        """
        loop = asyncio.get_running_loop()
        deadline = context.deadline.get() or loop.time() + self._policy.budget_s
        call = _Call(endpoint.method, path, endpoint.name, token, body, params)
        try:
            # The first attempt runs on its own: most calls need no other, and the retry
            # machinery is only built for those that do.
            return await self._attempt(call, deadline - loop.time())
        except _Retryable as first:
            return await self._retry(call, first, deadline)

    async def _retry(self, call: _Call, first: _Retryable, deadline: float) -> bytes:
        loop = asyncio.get_running_loop()
        failures: list[_Retryable] = []
        pending: _Retryable | None = first

        def before_sleep(state: RetryCallState) -> None:
            self._metrics.retries.labels(call.endpoint).inc()
            failure = state.outcome.exception() if state.outcome is not None else None
            if isinstance(failure, _Retryable):
                failures.append(failure)

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_Retryable),
            wait=self._wait,
            stop=lambda state: loop.time() + state.upcoming_sleep >= deadline,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    if pending is not None:
                        # Tenacity's attempt 1 is the failure already seen: it decides
                        # whether and how long to wait before the second.
                        failed, pending = pending, None
                        raise failed
                    return await self._attempt(call, deadline - loop.time())
        except _Retryable as exc:
            # An attempt cut short by our own budget says nothing about Synapse: answer with
            # what Synapse last did (a 503 stays a 503), unless that cut was all there was.
            final = failures[-1].final if exc.budget_cut and failures else exc.final
            log.warning("synapse_gave_up", endpoint=call.endpoint, error=final.msg)
            raise final from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        jitter = self._jitter(state)
        failure = state.outcome.exception() if state.outcome is not None else None
        retry_after = failure.retry_after if isinstance(failure, _Retryable) else None
        return max(jitter, retry_after or 0.0)

    async def _attempt(self, call: _Call, remaining: float) -> bytes:
        endpoint = call.endpoint
        headers = {"Accept": "application/json"}
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        if call.token is not None:
            headers["Authorization"] = f"Bearer {call.token}"
        rid = context.request_id.get()
        if rid is not None:
            headers["X-Request-ID"] = rid
        started = time.perf_counter()
        try:
            # The slot wait counts against the budget too: a caller's queue never hangs.
            async with (
                asyncio.timeout(max(remaining, 0.001)),
                self.limiter.slot(call.token),
                self._session.request(
                    call.method,
                    self._base + call.path,
                    headers=headers,
                    data=call.body,
                    params=call.params,
                ) as response,
            ):
                body = await response.read()
                status = response.status
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except TimeoutError:
            self._metrics.observe_upstream(endpoint, "timeout")
            budget_cut = time.perf_counter() - started >= remaining - 0.005
            raise _Retryable(
                GatewayTimeout("Synapse did not answer in time"), budget_cut=budget_cut
            ) from None
        except aiohttp.ClientError as exc:
            self._metrics.observe_upstream(endpoint, "error")
            log.info("synapse_unreachable", endpoint=endpoint, error_type=type(exc).__name__)
            raise _Retryable(BadGateway("Could not reach Synapse")) from None
        self._metrics.observe_upstream(endpoint, str(status), time.perf_counter() - started)
        if status < 400:
            return body
        if status == 429:
            self._metrics.throttled.labels(endpoint).inc()
        error = from_synapse(status, _reason(body))
        if status in _RETRYABLE:
            if isinstance(error, ServiceUnavailable) and retry_after is not None:
                error.retry_after_s = max(1, math.ceil(retry_after))
            raise _Retryable(error, retry_after)
        log.info("synapse_error", endpoint=endpoint, status=status)
        raise error


_RETRYABLE = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class _Call:
    """One Synapse call as every attempt at it sends it."""

    method: str
    path: str
    endpoint: str
    token: str | None
    body: bytes | None
    params: dict[str, str] | None


class _Retryable(Exception):
    """A failed attempt worth another: carries the error to answer with if none succeeds."""

    def __init__(
        self, final: AdapterError, retry_after: float | None = None, *, budget_cut: bool = False
    ) -> None:
        super().__init__(final.msg)
        self.final = final
        self.retry_after = retry_after
        self.budget_cut = budget_cut  # the attempt was stopped by our deadline, not by Synapse


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long one DRS request may spend on Synapse, and how retries are spaced."""

    budget_s: float = 10.0
    base_delay_s: float = 0.05
    max_delay_s: float = 2.0


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the delta form; an HTTP date is rare from proxies: ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 120 else None


def _reason(body: bytes) -> str | None:
    """Synapse's `reason` from an error body, or None when the body is not one."""
    try:
        return ErrorResponse.model_validate_json(body).reason
    except ValidationError:
        return None
