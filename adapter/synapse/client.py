"""The Synapse REST client: one shared session, the caller's token per call, Synapse's
answers validated and its errors mapped onto the service's error tree (docs/synapse.md)."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import aiohttp
import orjson
from pydantic import ValidationError

from adapter import context
from adapter.caller import Caller
from adapter.errors import AdapterError, BadGateway, GatewayTimeout, ServiceUnavailable
from adapter.ids import EntityAccessId, EntityVersion
from adapter.logs import get_logger
from adapter.metrics import Metrics
from adapter.synapse import errors
from adapter.synapse.limits import CallerLimiter
from adapter.synapse.models import (
    ARCHIVED,
    Answer,
    BatchItem,
    BatchResult,
    EntityBundle,
    ErrorResponse,
    FileHandle,
    M,
)
from adapter.synapse.retry import Retrier, Retryable, RetryPolicy, retry_after_s

log = get_logger(__name__)


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
WHO_AM_I = "/repo/v1/userProfile"

# The restriction information says whether an unmet access requirement is what withholds the
# file handles (docs/behaviour.md §4).
_BUNDLE_REQUEST = orjson.dumps(
    {"includeEntity": True, "includeFileHandles": True, "includeRestrictionInformation": True}
)
BATCH_LIMIT = 100  # Synapse refuses more than 100 items in one fileHandle/batch call


@dataclass(frozen=True, slots=True)
class _Call:
    """One Synapse call as every attempt at it sends it."""

    endpoint: Endpoint
    path: str
    caller: Caller
    body: bytes | None = field(default=None, repr=False)
    params: dict[str, str] | None = None


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
        self._retrier = Retrier(
            retry if retry is not None else RetryPolicy(),
            on_retry=lambda endpoint: self._metrics.retries.labels(endpoint).inc(),
        )

    async def entity_bundle(self, caller: Caller, target: EntityVersion) -> Answer[EntityBundle]:
        """The entity at a version and, when the caller may download, its file handles."""
        path = BUNDLE2.template.format(id=target.synapse_id, version=target.version)
        return await self._json(EntityBundle, _Call(BUNDLE2, path, caller, _BUNDLE_REQUEST))

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
            _signed(item, access.file_handle) for item, access in zip(items, chunk, strict=True)
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
            raise errors.malformed() from exc

    async def _url(self, call: _Call) -> str:
        text = (await self._fetch(call)).decode("utf-8", errors="replace").strip()
        if not text.startswith(("https://", "http://")):
            raise errors.malformed("URL")
        return text

    async def _fetch(self, call: _Call) -> bytes:
        """One Synapse call, retried within the request's budget; its body, or an AdapterError."""
        loop = asyncio.get_running_loop()
        deadline = context.deadline.get() or loop.time() + self._retrier.policy.budget_s
        return await self._retrier.run(
            call.endpoint.name, lambda remaining: self._attempt(call, remaining), deadline
        )

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
        started = time.perf_counter()
        try:
            # The slot wait counts against the budget too: a caller's queue never hangs.
            async with (
                asyncio.timeout(max(remaining, 0.001)),
                self.limiter.slot(call.caller.key),
                self._session.request(
                    call.endpoint.method,
                    self._base + call.path,
                    headers=headers,
                    data=call.body,
                    params=call.params,
                ) as response,
            ):
                body = await response.read()
                status = response.status
                retry_after = retry_after_s(response.headers.get("Retry-After"))
        except TimeoutError:
            self._metrics.observe_upstream(endpoint, "timeout")
            budget_cut = time.perf_counter() - started >= remaining - 0.005
            raise Retryable(
                GatewayTimeout("Synapse did not answer in time"), budget_cut=budget_cut
            ) from None
        except aiohttp.ClientError as exc:
            self._metrics.observe_upstream(endpoint, "error")
            log.info("synapse_unreachable", endpoint=endpoint, error_type=type(exc).__name__)
            raise Retryable(BadGateway("Could not reach Synapse")) from None
        self._metrics.observe_upstream(endpoint, str(status), time.perf_counter() - started)
        if status < 400:
            return body
        if status == 429:
            self._metrics.throttled.labels(endpoint).inc()
        error = errors.from_status(status, _reason(body))
        if status in errors.RETRYABLE_STATUSES:
            if isinstance(error, ServiceUnavailable) and retry_after is not None:
                error.retry_after_s = max(1, math.ceil(retry_after))
            raise Retryable(error, retry_after)
        log.info("synapse_error", endpoint=endpoint, status=status)
        raise error


def _signed(item: BatchItem, handle: int) -> str | AdapterError:
    """One fileHandle/batch item: its URL, or the error that stands for its failure."""
    if item.fileHandleId != str(handle):
        return BadGateway("Synapse answered a batch out of order")
    if item.failureCode is not None:
        return errors.from_batch_failure(item.failureCode, handle)
    if item.fileHandle is not None and item.fileHandle.status == ARCHIVED:
        return errors.archived(handle)
    if item.preSignedURL is None:
        return BadGateway("Synapse answered a batch item without a URL")
    return item.preSignedURL


def _reason(body: bytes) -> str | None:
    """Synapse's `reason` from an error body, or None when the body is not one."""
    try:
        return ErrorResponse.model_validate_json(body).reason
    except ValidationError:
        return None
