"""The caller's credentials: a Synapse bearer token, or anonymous (docs/behaviour.md §6)."""

from __future__ import annotations

from aiohttp import hdrs, web

from adapter.errors import Unauthorized

MSG_SCHEME = (
    "Only Bearer authentication is supported: send 'Authorization: Bearer <Synapse access token>'"
)
MSG_EMPTY = "The Bearer token is empty"


def bearer_token(request: web.Request) -> str | None:
    """The caller's token, None for anonymous; any other scheme is refused with 401.

    Synapse silently treats `bearer x` (lower case) as anonymous; RFC 7235 makes the scheme
    case-insensitive, so we accept it instead of quietly dropping the caller's identity.
    """
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized(MSG_SCHEME)
    token = credentials.strip()
    if not token:
        raise Unauthorized(MSG_EMPTY)
    return token
