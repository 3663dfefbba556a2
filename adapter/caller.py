"""Who is calling: the caller's Synapse token and the one key that names them everywhere.

The key names the caller in cache keys; it is a keyed BLAKE2b MAC of the token (the raw
token is never a key), computed once per request. `share_key` names who a share of a limit
belongs to (the per-caller concurrency limit, the metadata credential's budget).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

from adapter import context

ANONYMOUS_KEY = "anonymous"


@dataclass(frozen=True, slots=True)
class Caller:
    """One DRS caller: their token (None: anonymous), never printed, and their key."""

    token: str | None = field(repr=False)
    key: str

    @property
    def anonymous(self) -> bool:
        return self.token is None


class CallerIds:
    """Makes `Caller`s; one salt per process, or per release when replicas share a cache.

    A caller's key is computed once per token, not once per request: the last `remembered`
    callers are kept (an LRU), as the same few tokens make most requests. The tokens kept are
    those this process already holds while serving their requests; they never leave it.
    """

    def __init__(self, salt: bytes, remembered: int = 1024) -> None:
        self._salt = salt
        self._known = functools.lru_cache(maxsize=remembered)(self._make)

    def caller(self, token: str | None) -> Caller:
        return ANONYMOUS if token is None else self._known(token)

    def _make(self, token: str) -> Caller:
        digest = hashlib.blake2b(token.encode(), key=self._salt, digest_size=16).hexdigest()
        return Caller(token, digest)


ANONYMOUS = Caller(None, ANONYMOUS_KEY)


def share_key(caller: Caller) -> str:
    """Who a share of a limit belongs to: a token caller, whatever the number of its requests;
    each anonymous request on its own, as anonymous callers cannot be told apart (one address
    may be a proxy for thousands) and Synapse does not throttle them (docs/synapse.md,
    "Throttling"). Anonymous callers still share one cache key: their reads are the same."""
    if caller.token is not None:
        return caller.key
    return f"{ANONYMOUS_KEY}:{context.request_id.get() or ''}"
