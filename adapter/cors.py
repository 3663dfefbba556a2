"""CORS: off unless origins are configured; preflights answered as such (docs/behaviour.md §6)."""

from __future__ import annotations

from aiohttp import hdrs, web

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID"


class Cors:
    """Answers preflights and marks allowed origins' responses (used by the middleware).

    Hand-written rather than aiohttp-cors: that library registers its own OPTIONS handlers,
    and DRS gives `OPTIONS /objects/{id}` a meaning of its own (Authorizations).
    """

    def __init__(self, allow_origins: list[str]) -> None:
        self._origins = frozenset(allow_origins)
        self._any_origin = "*" in self._origins

    def _allowed(self, origin: str | None) -> bool:
        return origin is not None and (self._any_origin or origin in self._origins)

    def preflight(self, request: web.Request) -> web.Response | None:
        """The answer to a browser's preflight, or None when the request is not one."""
        if request.method != hdrs.METH_OPTIONS:
            return None
        headers = request.headers
        if hdrs.ORIGIN not in headers or hdrs.ACCESS_CONTROL_REQUEST_METHOD not in headers:
            return None
        # A browser's preflight is not a DRS OPTIONS request; without an allowed origin it
        # gets no CORS headers, so the browser refuses the real request.
        response = web.Response(status=204)
        if self._allowed(headers[hdrs.ORIGIN]):
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_METHODS] = ALLOWED_METHODS
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = ALLOWED_HEADERS
            response.headers[hdrs.ACCESS_CONTROL_MAX_AGE] = "600"
        return response

    def mark(self, request: web.Request, response: web.StreamResponse) -> None:
        """Let an allowed origin read the response."""
        origin = request.headers.get(hdrs.ORIGIN)
        if self._allowed(origin):
            assert origin is not None
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
            response.headers[hdrs.VARY] = hdrs.ORIGIN
