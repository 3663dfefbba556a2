"""The middleware in front of Synapse's routes: counters, maintenance, faults, auth, throttle."""

from __future__ import annotations

import asyncio
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from adapter.emulator import errors
from adapter.emulator.auth import CALLER, identify
from adapter.emulator.keys import CATALOGUE, STATE
from adapter.emulator.state import EmulatorState, concurrency_reason

SYNAPSE_PREFIXES = ("/repo/v1/", "/file/v1/", "/auth/v1/")
SESSION_COOKIE = "sessionID"


class _Dropped(Exception):
    """The reset fault closed the connection; there is no one to answer."""


def route_key(request: web.Request) -> str | None:
    """`GET /repo/v1/entity/{id}/version/{version}`: the method and the matched template."""
    resource = request.match_info.route.resource
    if resource is None:
        return None
    return f"{request.method} {resource.canonical}"


@web.middleware
async def synapse_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(SYNAPSE_PREFIXES):
        return await handler(request)
    state = request.app[STATE]
    state.counters.total_requests += 1
    # Synapse logs a caller's X-Request-ID; keeping the last few lets tests see it arrive.
    request_id = request.headers.get("X-Request-ID")
    if request_id is not None:
        state.counters.request_ids.append(request_id[:128])
    route = route_key(request)
    if route is not None:
        state.counters.by_route[route] += 1
    try:
        response = await _admit(request, handler, state)
    except _Dropped:
        return web.Response(status=500)  # never sent: the connection is gone
    state.counters.by_status[str(response.status)] += 1
    # Synapse hands every caller a session cookie; clients must not let it mix users.
    if SESSION_COOKIE not in request.cookies:
        response.set_cookie(SESSION_COOKIE, str(uuid.uuid4()), path="/", httponly=True)
    stall_ms = state.faults.stall_ms
    if stall_ms and isinstance(response, web.Response):
        state.counters.faulted["stall"] += 1
        return await _stalled(request, response, stall_ms / 1000)
    return response


async def _admit(
    request: web.Request, handler: Handler, state: EmulatorState
) -> web.StreamResponse:
    """Maintenance and dropped connections first, then who is calling, then the throttle."""
    faults = state.faults
    if faults.maintenance:
        state.counters.faulted["maintenance"] += 1
        return errors.SynapseError(503, errors.MAINTENANCE).response()
    if state.draw(faults.reset_rate) and request.transport is not None:
        state.counters.faulted["reset"] += 1
        request.transport.abort()
        raise _Dropped
    try:
        caller = identify(request, request.app[CATALOGUE], state.revoked)
    except errors.SynapseError as error:
        return error.response()
    request[CALLER] = caller
    counters = state.counters
    counters.arrive(caller.name)
    # Anonymous callers are not throttled by Synapse.
    throttled = faults.throttle and caller.user is not None
    try:
        if throttled:
            refusal = state.throttle.enter(caller.id)
            if refusal is not None:
                counters.throttled += 1
                # A bare {"reason": ...} and no Retry-After: clients back off on their own.
                return errors.json_response({"reason": refusal}, status=429)
        counters.start_serving(caller.name)
        try:
            return await _serve(request, handler, state)
        finally:
            counters.stop_serving(caller.name)
            if throttled:
                state.throttle.leave(caller.id)
    finally:
        counters.depart(caller.name)


async def _serve(
    request: web.Request, handler: Handler, state: EmulatorState
) -> web.StreamResponse:
    delay = state.latency_s()
    if delay > 0:
        state.counters.faulted["latency"] += 1
        await asyncio.sleep(delay)
    if state.draw(state.faults.error_rate):
        state.counters.faulted["error"] += 1
        return _fault_error(state)
    try:
        response = await handler(request)
    except errors.SynapseError as error:
        response = error.response()
    except web.HTTPNotFound:
        response = errors.no_handler(request.method).response()
    except web.HTTPMethodNotAllowed:
        response = errors.method_not_supported(request.method).response()
    if state.draw(state.faults.malformed_rate) and isinstance(response, web.Response):
        state.counters.faulted["malformed"] += 1
        response = _truncated(response)
    return response


def _fault_error(state: EmulatorState) -> web.Response:
    status = state.faults.error_status
    if status == 429:
        return errors.json_response(
            {"reason": concurrency_reason(state.throttle.max_concurrent)}, status=429
        )
    reason = {
        502: "Error communicating with the storage service.",
        503: errors.OVERLOADED,
    }.get(status, "An unexpected error occurred.")
    return errors.SynapseError(status, reason).response()


def _truncated(response: web.Response) -> web.Response:
    """The same status and headers with a broken body: a JSON body cut in half, and in place
    of anything else (a text/plain URL, a 307) half of an error body, so it is never usable."""
    body = response.body if isinstance(response.body, bytes) else b""
    if response.content_type != "application/json" or not body:
        body = b'{"concreteType":"org.sagebionetworks.repo.model.ErrorResponse","reason":"'
    return web.Response(
        body=body[: len(body) // 2],
        status=response.status,
        headers={k: v for k, v in response.headers.items() if k.lower() != "content-length"},
    )


async def _stalled(
    request: web.Request, response: web.Response, seconds: float
) -> web.StreamResponse:
    """Send the status and headers now and the body `seconds` later: an answer that is late."""
    body = response.body if isinstance(response.body, bytes) else b""
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    stream.content_length = len(body)
    stream.cookies.update(response.cookies)
    await stream.prepare(request)
    await asyncio.sleep(seconds)
    await stream.write(body)
    await stream.write_eof()
    return stream
