"""A DrsObject as sent: its JSON bytes and their strong ETag, rendered once per cached answer.

Every id the service answers for is immutable (`syn<id>.<version>`, `fh<id>`), so the bytes
of a DrsObject change only when Synapse's answer behind it does. The in-process cache entry
holding that answer keeps the bytes rendered from it (per host, which `self_uri` names;
adapter/cache.py `Entry.keep`) for as long as the entry lives: a cached read then neither
builds nor serialises anything. The entry is still read on every request, under the caller's
own key, so access is established exactly as for a first read; a new answer from Synapse is
a new entry, and its first request renders it again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from adapter.models import DrsObject

# Bodies above this are not kept (a 30,000-item bundle is ~2 MB): rendering them is rare next
# to their Synapse read, and keeping them would let a few bundles fill memory.
MAX_KEPT_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    etag: str  # strong: '"<BLAKE2b of the body>"'

    @classmethod
    def of(cls, drs_object: DrsObject) -> Rendered:
        body = orjson.dumps(drs_object)
        return cls(body, f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"')

    def matches(self, if_none_match: str | None) -> bool:
        """Whether an `If-None-Match` header names this body (RFC 9110 §13.1.2: weak
        comparison, a list of tags, or `*`)."""
        if if_none_match is None:
            return False
        tags = if_none_match.strip()
        if tags == "*":
            return True
        return any(tag.strip().removeprefix("W/") == self.etag for tag in tags.split(","))
