"""The Synapse REST client: one shared session, the caller's token per call, errors mapped."""

from __future__ import annotations

from json import loads as json_loads
from typing import Any, TypeVar

import aiohttp
import structlog
from pydantic import BaseModel, ValidationError

from adapter.errors import BadGateway, GatewayTimeout, from_synapse
from adapter.synapse.models import (
    BatchItem,
    BatchResult,
    EntityBundle,
    ErrorResponse,
    FileHandle,
)

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

_BUNDLE_REQUEST = {"includeEntity": True, "includeFileHandles": True}
BATCH_LIMIT = 100  # Synapse refuses more than 100 items in one fileHandle/batch call


class SynapseClient:
    """Typed calls to the Synapse endpoints the adapter uses (synapse-upstream.md)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        # The session is the app's: made once with timeouts, a connection limit and no cookie
        # jar (a shared jar would mix callers' Synapse sessions). This class never makes one.
        self._session = session
        self._base = base_url.rstrip("/")

    async def entity_bundle(self, token: str | None, entity_id: str, version: int) -> EntityBundle:
        """The entity at a version and, when the caller may download, its file handles."""
        path = f"/repo/v1/entity/{entity_id}/version/{version}/bundle2"
        body = await self._call("POST", path, token, json=_BUNDLE_REQUEST)
        return _parse(EntityBundle, body)

    async def file_handle(self, token: str | None, handle_id: int) -> FileHandle:
        """A raw file handle (Synapse shows it to its creator only)."""
        return _parse(
            FileHandle, await self._call("GET", f"/file/v1/fileHandle/{handle_id}", token)
        )

    async def file_handle_url(self, token: str | None, handle_id: int) -> str:
        """A presigned URL for a raw file handle (creator only)."""
        path = f"/file/v1/fileHandle/{handle_id}/url"
        return await self._text("GET", path, token, params={"redirect": "false"})

    async def entity_file_url(self, token: str | None, entity_id: str, handle_id: int) -> str:
        """A presigned URL for a file handle through the FileEntity it belongs to."""
        params = {
            "fileAssociateType": "FileEntity",
            "fileAssociateId": entity_id,
            "redirect": "false",
        }
        return await self._text("GET", f"/file/v1/file/{handle_id}", token, params=params)

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
        answer = await self._call("POST", "/file/v1/fileHandle/batch", token, json=body)
        return _parse(BatchResult, answer).requestedFiles

    async def _call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        body = await self._fetch(method, path, token, json=json, params=params)
        try:
            return json_loads(body)
        except ValueError as exc:
            raise BadGateway("Synapse sent a malformed answer") from exc

    async def _text(
        self, method: str, path: str, token: str | None, *, params: dict[str, str]
    ) -> str:
        body = await self._fetch(method, path, token, params=params)
        text = body.decode("utf-8", errors="replace").strip()
        if not text.startswith(("https://", "http://")):
            raise BadGateway("Synapse sent a malformed URL")
        return text

    async def _fetch(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> bytes:
        """Send one request and read its whole body; transport failures become 502 / 504."""
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            async with self._session.request(
                method, self._base + path, headers=headers, json=json, params=params
            ) as response:
                body = await response.read()
                status = response.status
        except TimeoutError as exc:
            log.warning("synapse_timeout", method=method, path=path)
            raise GatewayTimeout("Synapse did not answer in time") from exc
        except aiohttp.ClientError as exc:
            log.warning(
                "synapse_unreachable", method=method, path=path, error_type=type(exc).__name__
            )
            raise BadGateway("Could not reach Synapse") from exc
        if status >= 400:
            log.info("synapse_error", method=method, path=path, status=status)
            raise from_synapse(status, _reason(body))
        return body


def _reason(body: bytes) -> str | None:
    """Synapse's `reason` from an error body, or None when the body is not one."""
    try:
        return ErrorResponse.model_validate_json(body).reason
    except ValidationError:
        return None


def _parse(model: type[M], body: Any) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise BadGateway("Synapse sent an answer the adapter cannot read") from exc
