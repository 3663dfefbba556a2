"""Who is calling: the caller's Synapse token and the one key that names them everywhere.

The key names the caller in cache keys and in the per-caller limiter; it is a keyed BLAKE2b
MAC of the token (the raw token is never a key), computed once per request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

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
    """Makes `Caller`s; one salt per process, or per release when replicas share a cache."""

    def __init__(self, salt: bytes) -> None:
        self._salt = salt

    def caller(self, token: str | None) -> Caller:
        if token is None:
            return ANONYMOUS
        digest = hashlib.blake2b(token.encode(), key=self._salt, digest_size=16).hexdigest()
        return Caller(token, digest)


ANONYMOUS = Caller(None, ANONYMOUS_KEY)
