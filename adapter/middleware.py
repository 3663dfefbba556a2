"""The one middleware: request id, deadline, CORS, every failure as a DRS `Error` body, and
metrics (the access-log line is written by adapter/access.py once the answer is sent).

One middleware rather than three: each layer aiohttp runs costs a coroutine per request, and
the order that matters is written out once here (errors become answers first, then CORS
marks them, then the answer is counted).
"""

from __future__ import annotations

import itertools
import re
import secrets
import time

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from adapter import context
from adapter.access import REQUEST_ID_HEADER, labels
from adapter.cors import Cors
from adapter.errors import AdapterError
from adapter.logs import ACCESS_LOGGER, get_logger
from adapter.metrics import Metrics
from adapter.models import Error

log = get_logger(ACCESS_LOGGER)

_HTTP_MESSAGES = {
    404: "Not found: this service has no such path",
    413: "The request body is too large",
}


def error_response(status: int, msg: str, headers: dict[str, str] | None = None) -> web.Response:
    """The DRS `Error` body, whose `status_code` always equals the HTTP status."""
    return Error(msg=msg, status_code=status).to_response(status, headers)


def _failure(request: web.Request, exc: Exception) -> web.StreamResponse:
    """A handler's failure as a DRS `Error` answer (a redirect is raised on). Called while
    the failure is being handled, so `log.exception` sees it."""
    if isinstance(exc, AdapterError):
        return error_response(exc.status, exc.msg, exc.headers())
    if isinstance(exc, web.HTTPException):
        # aiohttp's own answers (no route, wrong method, body too large) also become JSON.
        if exc.status < 400:
            raise exc
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        msg = _HTTP_MESSAGES.get(exc.status)
        if exc.status == 405:
            msg = f"Method {request.method} is not allowed on this path"
        return error_response(exc.status, msg or exc.reason, headers)
    if isinstance(exc, ConnectionResetError):
        # The client went away (mid-body, say): its abort, not our failure. The answer is
        # never delivered; 499 ("client closed request", as nginx counts it) is what the
        # metrics and the access log record.
        log.info("client_aborted", method=request.method)
        return error_response(CLIENT_CLOSED, "The client closed the connection")
    # Never a stack trace in the answer; the log line carries the type and message only.
    log.exception("unhandled_error", method=request.method)
    return error_response(500, "Internal server error")


CLIENT_CLOSED = 499
# Request ids name a request in logs and upstream; they need to be unique, not secret: a
# random 64-bit prefix drawn once per process, then a counter. (secrets.token_hex per request
# cost 6% of a cached read's CPU, measured with py-spy under wrk.)
_ID_PREFIX = secrets.token_hex(8)
_id_numbers = itertools.count(1)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _request_id(sent: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token, else a new one."""
    if sent is not None and _REQUEST_ID.fullmatch(sent):
        return sent
    return f"{_ID_PREFIX}{next(_id_numbers):08x}"


def service_middleware(metrics: Metrics, budget_s: float, cors: Cors) -> Middleware:
    """Request id, deadline, CORS, DRS errors and metrics for every request."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        rid = _request_id(request.headers.get(REQUEST_ID_HEADER))
        reset = context.request_id.set(rid)
        context.deadline.set(time.monotonic() + budget_s)
        metrics.in_flight += 1
        started = time.perf_counter()
        status = 500
        try:
            try:
                response = cors.preflight(request) or await handler(request)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a DRS Error answer
                response = _failure(request, exc)
            cors.mark(request, response)
            status = response.status
            response.headers[REQUEST_ID_HEADER] = rid
            return response
        finally:
            metrics.in_flight -= 1
            metrics.observe_request(*labels(request), status, time.perf_counter() - started)
            context.request_id.reset(reset)

    return middleware
