"""CORS: off unless origins are configured; preflights answered as preflights (behaviour.md §6)."""

from __future__ import annotations

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID"


def cors_middleware(allow_origins: list[str]) -> Middleware:
    """A middleware that answers preflights and marks allowed origins' responses.

    Hand-written rather than aiohttp-cors: that library registers its own OPTIONS handlers,
    and DRS gives `OPTIONS /objects/{id}` a meaning of its own (Authorizations).
    """
    origins = frozenset(allow_origins)
    any_origin = "*" in origins

    def allowed(origin: str | None) -> bool:
        return origin is not None and (any_origin or origin in origins)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get(hdrs.ORIGIN)
        is_preflight = (
            request.method == hdrs.METH_OPTIONS
            and origin is not None
            and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers
        )
        if is_preflight:
            # A browser's preflight is not a DRS OPTIONS request; without an allowed origin
            # it gets no CORS headers, so the browser refuses the real request.
            response: web.StreamResponse = web.Response(status=204)
            if allowed(origin):
                response.headers[hdrs.ACCESS_CONTROL_ALLOW_METHODS] = ALLOWED_METHODS
                response.headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = ALLOWED_HEADERS
                response.headers[hdrs.ACCESS_CONTROL_MAX_AGE] = "600"
        else:
            response = await handler(request)
        if allowed(origin):
            assert origin is not None
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
            response.headers[hdrs.VARY] = hdrs.ORIGIN
        return response

    return middleware
