"""The caller's credentials: a Synapse bearer token, or anonymous (docs/behaviour.md §6)."""

from __future__ import annotations

import functools
import re

from aiohttp import hdrs, web

from adapter.caller import Caller
from adapter.errors import Unauthorized
from adapter.keys import CALLER_IDS

MSG_SCHEME = (
    "Only Bearer authentication is supported: send 'Authorization: Bearer <Synapse access token>'"
)
MSG_EMPTY = "The Bearer token is empty"
MSG_MALFORMED = (
    "The Bearer token is malformed: a Synapse access token is letters, digits and -._~+/ (RFC 6750)"
)

# RFC 6750's b64token: what a bearer token may be made of. Synapse's tokens (JWTs) are.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def bearer_token(request: web.Request) -> str | None:
    """The caller's token, None for anonymous; any other scheme is refused with 401."""
    header = request.headers.get(hdrs.AUTHORIZATION)
    return None if header is None else token_of(header)


# The same few headers make most requests: each is parsed and checked once (a refused one is
# not kept: lru_cache keeps no exception).
@functools.lru_cache(maxsize=1024)
def token_of(header: str) -> str:
    """The token in an Authorization header; any scheme but Bearer is refused with 401.

    Synapse silently treats `bearer x` (lower case) as anonymous; RFC 7235 makes the scheme
    case-insensitive, so we accept it instead of quietly dropping the caller's identity. A
    token of other characters (a byte that is not ASCII, a quote) cannot be a Synapse token
    and is refused before it goes anywhere.
    """
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized(MSG_SCHEME)
    token = credentials.strip()
    if not token:
        raise Unauthorized(MSG_EMPTY)
    if not _TOKEN.fullmatch(token):
        raise Unauthorized(MSG_MALFORMED)
    return token


def request_caller(request: web.Request) -> Caller:
    """Who sent the request: their token and key, computed once for the request."""
    return request.app[CALLER_IDS].caller(bearer_token(request))
