"""Raw calls to the emulator's Synapse endpoints as a given manifest user, for the tests."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from multidict import CIMultiDictProxy

from tests.emulator_handle import EmulatorHandle

BUNDLE_ALL = {
    "includeEntity": True,
    "includeFileHandles": True,
    "includeRestrictionInformation": True,
    "includePermissions": True,
    "includeAnnotations": True,
}
ERROR_RESPONSE = "org.sagebionetworks.repo.model.ErrorResponse"


@dataclass
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    @property
    def text(self) -> str:
        return self.raw.decode()

    @property
    def reason(self) -> str:
        reason: str = self.json["reason"]
        return reason


def md5_of(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Synapse:
    """Speaks to the emulator the way the adapter does: paths, headers, bodies."""

    def __init__(self, emulator: EmulatorHandle) -> None:
        self.emulator = emulator

    async def call(
        self,
        method: str,
        path: str,
        user: str = "anonymous",
        *,
        json_body: Any = None,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {"Accept": "application/json", **self.emulator.headers(user), **(headers or {})}
        async with self.emulator.session.request(
            method,
            self.emulator.url + path,
            json=json_body,
            data=data,
            params=params,
            headers=sent,
            allow_redirects=False,
        ) as response:
            return Answer(response.status, response.headers, await response.read())

    async def entity(self, user: str, entity_id: str, version: int | str) -> Answer:
        return await self.call("GET", f"/repo/v1/entity/{entity_id}/version/{version}", user)

    async def bundle(
        self,
        user: str,
        entity_id: str,
        version: int | str,
        flags: dict[str, bool] | None = None,
    ) -> Answer:
        path = f"/repo/v1/entity/{entity_id}/version/{version}/bundle2"
        return await self.call("POST", path, user, json_body=BUNDLE_ALL if flags is None else flags)

    async def file_url(
        self, user: str, handle_id: str, entity_id: str, *, redirect: str | None = "false"
    ) -> Answer:
        params = {"fileAssociateType": "FileEntity", "fileAssociateId": entity_id}
        if redirect is not None:
            params["redirect"] = redirect
        return await self.call("GET", f"/file/v1/file/{handle_id}", user, params=params)

    async def batch(
        self,
        user: str,
        pairs: list[tuple[str, str]],
        *,
        handles: bool = True,
        urls: bool = True,
        previews: bool = False,
    ) -> Answer:
        body = {
            "requestedFiles": [
                {"fileHandleId": h, "associateObjectId": e, "associateObjectType": "FileEntity"}
                for h, e in pairs
            ],
            "includeFileHandles": handles,
            "includePreSignedURLs": urls,
            "includePreviewPreSignedURLs": previews,
        }
        return await self.call("POST", "/file/v1/fileHandle/batch", user, json_body=body)

    async def raw_handle(self, user: str, handle_id: str) -> Answer:
        return await self.call("GET", f"/file/v1/fileHandle/{handle_id}", user)

    async def raw_handle_url(self, user: str, handle_id: str) -> Answer:
        path = f"/file/v1/fileHandle/{handle_id}/url"
        return await self.call("GET", path, user, params={"redirect": "false"})

    async def download(self, url: str, headers: dict[str, str] | None = None) -> Answer:
        """Fetch a presigned URL as a DRS client would: no Synapse credentials."""
        async with self.emulator.session.get(url, headers=headers) as response:
            return Answer(response.status, response.headers, await response.read())
