"""Request bodies of the DRS POST and OPTIONS routes: JSON only, typed, errors naming the field."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from adapter.errors import BadRequest, RequestTimeout, UnsupportedMediaType
from adapter.keys import SETTINGS

MSG_PASSPORTS = (
    "Passports are not supported: Synapse has no passport broker. Send your Synapse access "
    "token instead, as 'Authorization: Bearer <token>'."
)

B = TypeVar("B", bound="RequestBody")


class RequestBody(BaseModel):
    """Strict types (no "true" for a bool); unknown fields are ignored for forward compatibility."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    passports: list[StrictStr] | None = None

    def refuse_passports(self) -> None:
        """Synapse cannot verify passports: say to use a bearer token (docs/behaviour.md §6)."""
        if self.passports:
            raise BadRequest(MSG_PASSPORTS)


class ObjectBody(RequestBody):
    expand: StrictBool = False


class BulkObjectsBody(RequestBody):
    bulk_object_ids: list[StrictStr]


class ObjectAccessIds(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    bulk_object_id: StrictStr
    bulk_access_ids: list[StrictStr] = Field(default_factory=list)


class BulkAccessBody(RequestBody):
    bulk_object_access_ids: list[ObjectAccessIds]


MSG_BODY_TIMEOUT = "The request body did not arrive in time"


async def read_body(request: web.Request, model: type[B], *, optional: bool = False) -> B:
    """Parse the request's JSON body into `model`, or raise a 4xx that says what is wrong."""
    try:
        # A body dripped a byte at a time must not hold a handler past its budget.
        async with asyncio.timeout(request.app[SETTINGS].body_read_timeout_s):
            raw = await request.read()
    except TimeoutError:
        raise RequestTimeout(MSG_BODY_TIMEOUT) from None
    if not raw.strip():
        if optional:
            return model()
        raise BadRequest("A JSON request body is required")
    if request.content_type != "application/json":
        raise UnsupportedMediaType("Request bodies must be JSON (Content-Type: application/json)")
    try:
        # orjson refuses nesting deeper than 1,024 levels with an error of its own (the
        # standard library's parser would hit Python's recursion limit: a 500).
        data: Any = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("The request body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(_describe(exc)) from exc


def _describe(exc: ValidationError) -> str:
    """`Invalid field bulk_object_ids[2]: Input should be a valid string` (first error only)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ""
    for part in error["loc"]:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return f"Invalid field {where or 'body'}: {error['msg']}"
