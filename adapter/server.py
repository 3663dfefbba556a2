"""Serving the app: a runner whose HTTP-level errors are DRS `Error`s that quote nothing.

aiohttp answers requests its parser refuses (a header over its limit, too many headers,
control characters, a folded header, a bad request line) before any middleware runs, with a
`text/plain` body that quotes the offending bytes, Authorization values included, and logs
the same text. `DrsAppRunner` serves the app so that those answers are JSON DRS `Error`s
with a fixed message per kind of fault, and the log line names the kind, never the bytes.

How: aiohttp builds one `RequestHandler` per connection and calls its `handle_error` for
these faults; it offers no setting for that answer. The runner's server makes each handler
an instance of a subclass (same slots, no state of its own) whose `handle_error` answers
JSON. aiohttp is pinned to a minor version (pyproject.toml) and tests/api/test_hostile.py
sends every such fault over a raw socket, so a change in aiohttp shows at once.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket

from aiohttp import http_exceptions, web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_server import Server

from adapter.access import AccessLogger
from adapter.logs import ACCESS_LOGGER, get_logger
from adapter.middleware import error_response

log = get_logger("adapter.server")

# What the caller is told for each fault the parser finds: never the bytes it found.
_PARSER_MESSAGES: tuple[tuple[type[Exception], str], ...] = (
    (http_exceptions.LineTooLong, "The request line or a header is too long"),
    (http_exceptions.BadStatusLine, "The request line is not valid HTTP"),
    (http_exceptions.InvalidHeader, "A request header is not valid HTTP"),
    (http_exceptions.InvalidURLError, "The request target is not a valid URL"),
    (http_exceptions.BadHttpMessage, "The request is not valid HTTP (headers or body framing)"),
)


def _message(status: int, exc: BaseException | None) -> str:
    if status >= 500:
        return "Internal server error"
    for kind, message in _PARSER_MESSAGES:
        if isinstance(exc, kind):
            return message
    return "The request is not valid HTTP"


class _JsonErrorHandler(RequestHandler):
    __slots__ = ()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """A DRS `Error` for a fault found before the app saw the request; `message`
        (aiohttp's text, which quotes the request) is neither sent nor logged."""
        log.info(
            "http_error",
            status=status,
            error_type=type(exc).__name__ if exc is not None else None,
        )
        if request.writer.output_size > 0:  # part of an answer went out: nothing to add
            raise ConnectionError("Response is sent already, cannot send another response")
        response = error_response(status, _message(status, exc))
        response.force_close()
        return response


class _JsonErrorServer(Server):
    def __call__(self) -> RequestHandler:
        handler = super().__call__()
        handler.__class__ = _JsonErrorHandler
        return handler


class DrsAppRunner(web.AppRunner):
    """`web.AppRunner` whose connections answer HTTP-level faults with DRS `Error`s."""

    async def _make_server(self) -> Server:
        server = await super()._make_server()
        server.__class__ = _JsonErrorServer
        return server


def deployed_runner(app: web.Application, shutdown_timeout_s: float) -> DrsAppRunner:
    """The runner the service is served with: JSON answers to HTTP-level faults and the
    access log (the demo and the tests that need the deployed service use it too)."""
    return DrsAppRunner(
        app,
        handle_signals=False,
        access_log_class=AccessLogger,
        access_log=logging.getLogger(ACCESS_LOGGER),
        shutdown_timeout=shutdown_timeout_s,
    )


def _freeze_startup_objects() -> None:
    """Leave what start-up made (modules, pydantic's schemas, the app, its sessions: ~80,000
    objects the garbage collector would otherwise walk again at every full collection, for as
    long as the process lives) out of every collection from now on; what requests make is
    collected as before. Its garbage is collected first, so none of it is kept for good.
    (Uncached reads under wrk, 7 alternating rounds: 0.511 ms of CPU each, 0.468 frozen;
    p99 1.97 ms, 1.69 frozen; p50 unchanged.)"""
    gc.collect()
    gc.freeze()


async def serve(app: web.Application, sock: socket.socket, *, shutdown_timeout_s: float) -> None:
    """Serve `app` on a listening socket until SIGINT or SIGTERM, then stop gracefully:
    in-flight requests get `shutdown_timeout_s` to finish."""
    runner = deployed_runner(app, shutdown_timeout_s)
    await runner.setup()
    _freeze_startup_objects()
    try:
        await web.SockSite(runner, sock).start()
        log.info("serving", frozen_objects=gc.get_freeze_count())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
