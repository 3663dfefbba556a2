"""The Synapse REST client: one shared session, the caller's token per call, Synapse's
answers validated and its errors mapped onto the service's error tree (docs/synapse.md)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from pydantic import ValidationError

from adapter import context
from adapter.caller import Caller, share_key
from adapter.errors import AdapterError, BadGateway, GatewayTimeout, ServiceUnavailable
from adapter.ids import EntityAccessId, EntityVersion
from adapter.logs import get_logger
from adapter.metrics import Metrics
from adapter.synapse import errors
from adapter.synapse.budget import MetadataBudget
from adapter.synapse.endpoints import (
    BATCH,
    BATCH_LIMIT,
    BUNDLE2,
    BUNDLE_REQUEST,
    FILE_HANDLE,
    FILE_HANDLE_URL,
    FILE_URL,
    WHO_AM_I,
    Endpoint,
)
from adapter.synapse.limits import CallerLimiter
from adapter.synapse.models import (
    Answer,
    BatchResult,
    EntityBundle,
    FileHandle,
    M,
)
from adapter.synapse.retry import Retrier, Retryable, RetryPolicy, retry_after_s

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Call:
    """One Synapse call as every attempt at it sends it."""

    endpoint: Endpoint
    path: str
    caller: Caller
    body: bytes | None = field(default=None, repr=False)
    params: dict[str, str] | None = None
    # Set when `caller` is the metadata credential reading for this caller: the call is
    # charged to the credential's budget and a 429 is not retried (adapter/synapse/budget.py).
    for_caller: Caller | None = None


class SynapseClient:
    """Typed calls to the Synapse endpoints the adapter uses (docs/synapse.md, "Endpoints")."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        max_concurrent_per_caller: int = 3,
        max_answer_bytes: int = 16 * 1024 * 1024,
        metrics: Metrics | None = None,
        retry: RetryPolicy | None = None,
        metadata_budget: MetadataBudget | None = None,
    ) -> None:
        # The session is the app's: made once with timeouts, a connection limit and no cookie
        # jar (a shared jar would mix callers' Synapse sessions). This class never makes one.
        self._session = session
        self._base = base_url.rstrip("/")
        self.limiter = CallerLimiter(max_concurrent_per_caller)
        self._max_answer = max_answer_bytes
        self.metadata_budget = metadata_budget
        self._metrics = metrics if metrics is not None else Metrics()
        self._retrier = Retrier(
            retry if retry is not None else RetryPolicy(),
            on_retry=lambda endpoint: self._metrics.retries.labels(endpoint).inc(),
        )

    async def entity_bundle(
        self, caller: Caller, target: EntityVersion, *, for_caller: Caller | None = None
    ) -> Answer[EntityBundle]:
        """The entity at a version and, when the caller may download, its file handles.

        `for_caller`: `caller` is the metadata credential, reading on that caller's behalf."""
        path = BUNDLE2.template.format(id=target.synapse_id, version=target.version)
        call = _Call(BUNDLE2, path, caller, BUNDLE_REQUEST, for_caller=for_caller)
        return await self._json(EntityBundle, call)

    async def file_handle(self, caller: Caller, handle_id: int) -> Answer[FileHandle]:
        """A raw file handle (Synapse shows it to its creator only)."""
        path = FILE_HANDLE.template.format(id=handle_id)
        return await self._json(FileHandle, _Call(FILE_HANDLE, path, caller))

    async def file_handle_url(self, caller: Caller, handle_id: int) -> str:
        """A presigned URL for a raw file handle (creator only)."""
        path = FILE_HANDLE_URL.template.format(id=handle_id)
        return await self._url(_Call(FILE_HANDLE_URL, path, caller, params={"redirect": "false"}))

    async def entity_file_url(self, caller: Caller, access: EntityAccessId) -> str:
        """A presigned URL for a file handle through the FileEntity it belongs to."""
        params = {
            "fileAssociateType": "FileEntity",
            "fileAssociateId": access.target.synapse_id,
            "redirect": "false",
        }
        path = FILE_URL.template.format(id=access.file_handle)
        return await self._url(_Call(FILE_URL, path, caller, params=params))

    async def sign_batch(
        self, caller: Caller, wanted: Sequence[EntityAccessId]
    ) -> list[str | AdapterError]:
        """Presigned URLs (or why not) for FileEntity access ids, in order: fileHandle/batch
        takes at most 100 items a call, so 1,000 access ids cost 10 calls, made concurrently."""
        chunks = [wanted[i : i + BATCH_LIMIT] for i in range(0, len(wanted), BATCH_LIMIT)]
        signed = await asyncio.gather(*(self._sign_chunk(caller, chunk) for chunk in chunks))
        return [outcome for chunk in signed for outcome in chunk]

    async def _sign_chunk(
        self, caller: Caller, chunk: Sequence[EntityAccessId]
    ) -> list[str | AdapterError]:
        body = {
            "requestedFiles": [
                {
                    "fileHandleId": str(access.file_handle),
                    "associateObjectId": access.target.synapse_id,
                    "associateObjectType": "FileEntity",
                }
                for access in chunk
            ],
            "includeFileHandles": True,  # for each handle's status: no URL for an archived one
            "includePreSignedURLs": True,
            "includePreviewPreSignedURLs": False,
        }
        try:
            answer = await self._json(
                BatchResult, _Call(BATCH, BATCH.template, caller, orjson.dumps(body))
            )
        except AdapterError as exc:
            return [exc] * len(chunk)
        items = answer.value.requestedFiles
        if len(items) != len(chunk):
            return [BadGateway("Synapse answered a batch with the wrong length")] * len(chunk)
        return [
            errors.batch_outcome(item, access.file_handle)
            for item, access in zip(items, chunk, strict=True)
        ]

    async def reachable(self, timeout_s: float) -> bool:
        """Whether Synapse answers an anonymous who-am-I within `timeout_s` (for readiness)."""
        try:
            async with (
                asyncio.timeout(timeout_s),
                self._session.get(
                    self._base + WHO_AM_I, headers={"Accept": "application/json"}
                ) as response,
            ):
                await response.read()
                return response.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False

    async def _json(self, model: type[M], call: _Call) -> Answer[M]:
        """One call whose JSON answer is read into `model` (malformed: 502)."""
        raw = await self._fetch(call)
        try:
            return Answer(model.model_validate_json(raw), raw)
        except ValidationError as exc:
            raise errors.malformed(exc) from None

    async def _url(self, call: _Call) -> str:
        text = (await self._fetch(call)).decode("utf-8", errors="replace").strip()
        if not text.startswith(("https://", "http://")):
            raise BadGateway("Synapse sent a malformed URL")
        return text

    async def _fetch(self, call: _Call) -> bytes:
        """One Synapse call, retried within the request's budget; its body, or an AdapterError."""
        deadline = context.deadline.get() or time.monotonic() + self._retrier.policy.budget_s
        return await self._retrier.run(
            call.endpoint.name, lambda remaining: self._attempt(call, remaining), deadline
        )

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        return await _read_capped(response, self._max_answer)

    def _admitted(self, call: _Call, total: float) -> AbstractAsyncContextManager[None]:
        """What a call holds while it runs: one of its caller's slots and, for a delegated
        call, its admission by the metadata credential's budget (which refuses at once, 429,
        rather than queue), the two bounded by `total` as a whole."""
        slot = self.limiter.slot(share_key(call.caller), total)
        if call.for_caller is None:
            return slot
        admission = (
            self.metadata_budget.spend(call.for_caller)
            if self.metadata_budget is not None
            else contextlib.nullcontext()
        )
        return _delegated(asyncio.timeout(total), admission, slot)

    async def _attempt(self, call: _Call, remaining: float) -> bytes:
        endpoint = call.endpoint.name
        headers = {"Accept": "application/json"}
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        if call.caller.token is not None:
            headers["Authorization"] = f"Bearer {call.caller.token}"
        rid = context.request_id.get()
        if rid is not None:
            headers["X-Request-ID"] = rid
        delegated = call.for_caller is not None
        budget = self.metadata_budget
        # One timer per call: aiohttp's own, set to what is left of the request's budget once
        # the caller's slot is taken (an asyncio.timeout around every call as well cost 5 us,
        # microbench, beside aiohttp's timer). The slot is waited for within the same budget,
        # and only a delegated call, whose admission may ask Redis, is bounded as a whole.
        session_timeout = self._session.timeout
        total = max(remaining, 0.001)
        if session_timeout.total is not None:
            total = min(total, session_timeout.total)
        started = time.perf_counter()
        try:
            async with self._admitted(call, total):
                left = max(total - (time.perf_counter() - started), 0.001)
                async with self._session.request(
                    call.endpoint.method,
                    self._base + call.path,
                    headers=headers,
                    data=call.body,
                    params=call.params,
                    timeout=aiohttp.ClientTimeout(total=left, connect=session_timeout.connect),
                    # Synapse's API never redirects a JSON call; a redirect elsewhere is not
                    # followed (nor the caller's token replayed there): it is an error.
                    allow_redirects=False,
                ) as response:
                    body = await self._read(response)
                    status = response.status
                    retry_after = retry_after_s(response.headers.get("Retry-After"))
        except TimeoutError:
            self._metrics.observe_upstream(endpoint, "timeout")
            budget_cut = time.perf_counter() - started >= remaining - 0.005
            raise Retryable(
                GatewayTimeout("Synapse did not answer in time"), budget_cut=budget_cut
            ) from None
        except aiohttp.ClientConnectorError as exc:
            # No connection at all: a temporary outage for the caller (503), tried again a
            # few times only (RetryPolicy.unreachable_attempts), not for the whole budget.
            self._metrics.observe_upstream(endpoint, "unreachable")
            log.debug("synapse_unreachable", endpoint=endpoint, error_type=type(exc).__name__)
            raise Retryable(errors.unreachable(), unreachable=True) from None
        except aiohttp.ClientError as exc:
            self._metrics.observe_upstream(endpoint, "error")
            log.debug("synapse_dropped", endpoint=endpoint, error_type=type(exc).__name__)
            raise Retryable(BadGateway("Synapse dropped the connection")) from None
        self._metrics.observe_upstream(endpoint, str(status), time.perf_counter() - started)
        if status < 300:
            return body
        if status == 429:
            self._metrics.throttled.labels(endpoint).inc()
        if status == 401 and budget is not None and delegated:
            budget.credential_rejected()
        error = errors.from_status(status, errors.reason(body))
        # Never retry the shared credential into Synapse's throttle: that spends it for all.
        if status in errors.RETRYABLE_STATUSES and not (status == 429 and delegated):
            if isinstance(error, ServiceUnavailable) and retry_after is not None:
                error.retry_after_s = max(1, math.ceil(retry_after))
            raise Retryable(error, retry_after)
        log.info("synapse_error", endpoint=endpoint, status=status)
        raise error


@contextlib.asynccontextmanager
async def _delegated(
    bound: AbstractAsyncContextManager[Any],
    admission: AbstractAsyncContextManager[Any],
    slot: AbstractAsyncContextManager[None],
) -> AsyncIterator[None]:
    async with bound, admission, slot:
        yield


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes:
    """The body, or 502 once it is longer than `cap` (a faulty or hostile upstream must not
    fill this process's memory)."""
    if response.content_length is not None:
        if response.content_length > cap:
            raise errors.too_large(cap)
        return await response.read()  # the parser delivers no more than the stated length
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(65_536):
        size += len(chunk)
        if size > cap:
            raise errors.too_large(cap)
        chunks.append(chunk)
    return b"".join(chunks)
