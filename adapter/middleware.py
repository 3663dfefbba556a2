"""Middlewares: every failure as a DRS `Error` body, and one access-log line per request."""

from __future__ import annotations

import time

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from adapter.errors import AdapterError
from adapter.models import Error

log = structlog.get_logger("adapter.access")

_HTTP_MESSAGES = {
    404: "Not found: this service has no such path",
    413: "The request body is too large",
}


def error_response(status: int, msg: str, headers: dict[str, str] | None = None) -> web.Response:
    """The DRS `Error` body, whose `status_code` always equals the HTTP status."""
    return web.json_response(
        Error(msg=msg, status_code=status).to_json(), status=status, headers=headers
    )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AdapterError as exc:
        return error_response(exc.status, exc.msg, exc.headers())
    except web.HTTPException as exc:
        # aiohttp's own answers (no route, wrong method, body too large) also become JSON.
        if exc.status < 400:
            raise
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        msg = _HTTP_MESSAGES.get(exc.status)
        if exc.status == 405:
            msg = f"Method {request.method} is not allowed on this path"
        return error_response(exc.status, msg or exc.reason, headers)
    except Exception:
        # Never a stack trace in the answer; the log line carries the type and message only.
        log.exception("unhandled_error", method=request.method)
        return error_response(500, "Internal server error")


@web.middleware
async def access_log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        resource = request.match_info.route.resource
        log.info(
            "request",
            method=request.method,
            route=resource.canonical if resource is not None else "unmatched",
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        )
