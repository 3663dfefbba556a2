"""The DRS 1.5 wire models the service sends (shapes from the official OpenAPI document)."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """Base of every response model: optional fields without a value are left out, never null."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_response(self, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        """The model as a JSON response, serialised by pydantic-core in one step."""
        body = self.__pydantic_serializer__.to_json(self, exclude_none=True)
        return web.Response(
            body=body, status=status, headers=headers, content_type="application/json"
        )


class Error(WireModel):
    msg: str
    status_code: int


class AccessURL(WireModel):
    url: str
    headers: list[str] | None = None


# A DrsObject and its parts are TypedDicts, not models: they are built here from answers
# already validated on the way in, checked by mypy where they are built, and rendered by
# orjson (a cached read built and serialised a DrsObject model in 10 us; this takes 1.5).
# Every response is validated against the DRS OpenAPI document in the tests.


class Checksum(TypedDict):
    checksum: str
    type: str


class AccessMethod(TypedDict):
    type: Literal["https", "s3", "gs", "ftp", "gsiftp", "globus", "htsget", "file"]
    access_id: str
    available: NotRequired[bool]


class ContentsObject(TypedDict):
    """A bundle member (a bundle holds up to 30,000 of them)."""

    name: str
    id: NotRequired[str]
    drs_uri: NotRequired[list[str]]


class DrsObject(TypedDict):
    """A DRS object. Optional fields are present only with a value: never null."""

    id: str
    name: NotRequired[str]
    self_uri: str
    size: int
    created_time: str
    updated_time: NotRequired[str]
    version: NotRequired[str]
    mime_type: NotRequired[str]
    checksums: list[Checksum]
    access_methods: NotRequired[list[AccessMethod]]
    contents: NotRequired[list[ContentsObject]]
    description: NotRequired[str]


def json_response(body: object, status: int = 200) -> web.Response:
    """A JSON answer rendered by orjson: UTF-8, non-ASCII text as it is (no \\u escapes)."""
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


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
