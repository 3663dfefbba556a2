"""The DRS 1.5 wire models the service sends (shapes from the official OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from aiohttp import web
from pydantic import BaseModel, ConfigDict
from typing_extensions import TypedDict


class WireModel(BaseModel):
    """Base of every response model: optional fields without a value are left out, never null."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def to_response(self, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        """The model as a JSON response, serialised by pydantic-core in one step."""
        body = self.__pydantic_serializer__.to_json(self, exclude_none=True)
        return web.Response(
            body=body, status=status, headers=headers, content_type="application/json"
        )


class Error(WireModel):
    msg: str
    status_code: int


class Checksum(WireModel):
    checksum: str
    type: str


class AccessMethod(WireModel):
    type: Literal["https", "s3", "gs", "ftp", "gsiftp", "globus", "htsget", "file"]
    access_id: str


class AccessURL(WireModel):
    url: str
    headers: list[str] | None = None


class ContentsObject(TypedDict):
    """A bundle member. A TypedDict, not a model: a bundle holds up to 30,000 of them, checked
    and serialised by pydantic-core as plain dicts (three times faster than models)."""

    name: str
    id: NotRequired[str]
    drs_uri: NotRequired[list[str]]


class DrsObject(WireModel):
    id: str
    name: str | None = None
    self_uri: str
    size: int
    created_time: str
    updated_time: str | None = None
    version: str | None = None
    mime_type: str | None = None
    checksums: list[Checksum]
    access_methods: list[AccessMethod] | None = None
    contents: list[ContentsObject] | None = None
    description: str | None = None
    aliases: list[str] | None = None


class ServiceType(WireModel):
    group: str
    artifact: str
    version: str


class Organization(WireModel):
    name: str
    url: str


class DrsServiceFlavour(WireModel):
    maxBulkRequestLength: int


class ServiceInfo(WireModel):
    id: str
    name: str
    type: ServiceType
    description: str
    organization: Organization
    contactUrl: str
    documentationUrl: str
    createdAt: str
    updatedAt: str
    environment: str
    version: str
    maxBulkRequestLength: int  # deprecated at the root, still required by 1.5
    drs: DrsServiceFlavour
