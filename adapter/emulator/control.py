"""The emulator's own knobs: `/_emulator/faults`, `/reset`, `/revoke`, `/stats`, `/manifest`."""

from __future__ import annotations

import json

from aiohttp import web
from pydantic import ValidationError

from adapter.emulator.errors import json_response
from adapter.emulator.keys import CATALOGUE, STATE
from adapter.emulator.manifest import emulator_manifest


async def get_stats(request: web.Request) -> web.Response:
    return json_response(request.app[STATE].counters.snapshot())


async def get_faults(request: web.Request) -> web.Response:
    return json_response(request.app[STATE].faults.model_dump())


async def post_faults(request: web.Request) -> web.Response:
    """Change some knobs; the others keep their current values."""
    state = request.app[STATE]
    try:
        changes = json.loads(await request.read() or b"{}")
        if not isinstance(changes, dict):
            raise ValueError("the body must be a JSON object")
        state.faults = state.faults.model_validate({**state.faults.model_dump(), **changes})
    except (ValueError, ValidationError) as exc:
        return json_response({"reason": str(exc)}, status=400)
    return json_response(state.faults.model_dump())


async def post_revoke(request: web.Request) -> web.Response:
    """Revoke a user's token, `{"user": "alice"}`: Synapse answers it 401 until a reset."""
    try:
        body = json.loads(await request.read() or b"{}")
        user = request.app[CATALOGUE].users[body["user"]]
    except (ValueError, TypeError, KeyError):
        return json_response({"reason": 'the body must be {"user": <a user name>}'}, status=400)
    request.app[STATE].revoked.add(user.token)
    return json_response({"revoked": user.name})


async def post_reset(request: web.Request) -> web.Response:
    """Back to the configured fault defaults, with every counter at zero."""
    state = request.app[STATE]
    state.reset()
    return json_response(state.faults.model_dump())


async def get_manifest(request: web.Request) -> web.Response:
    return json_response(emulator_manifest(request.app, str(request.url.origin())))
