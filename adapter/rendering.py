"""A DrsObject as sent: its JSON bytes and their strong ETag, rendered once per cached answer.

Every id the service answers for is immutable (`syn<id>.<version>`, `fh<id>`), so the bytes
of a DrsObject change only when Synapse's answer behind it does. `Renderings` keeps the bytes
rendered from one cached Synapse answer (per host, which `self_uri` names) for as long as the
cache hands out that same answer object: a cached read then neither builds nor serialises
anything (15 us -> 9 us for the handler in process; see docs/benchmarks.md for the service
under wrk). The answer is still read from the cache on every request, under the caller's own
key, so access is established exactly as for a first read; a new answer from Synapse is a new
object, and its first request renders it again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson
from cachetools import LRUCache

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


class Renderings:
    """Rendered bodies, keyed by the cached answer object they were made from and the host."""

    def __init__(self, size: int) -> None:
        # The answer object is kept with its rendering, so its id cannot be reused meanwhile.
        self._kept: LRUCache[tuple[int, str], tuple[object, Rendered]] = LRUCache(maxsize=size)

    def get(self, source: object, host: str) -> Rendered | None:
        kept = self._kept.get((id(source), host))
        return kept[1] if kept is not None and kept[0] is source else None

    def keep(self, source: object, host: str, rendered: Rendered) -> None:
        if len(rendered.body) <= MAX_KEPT_BYTES:
            self._kept[(id(source), host)] = (source, rendered)
