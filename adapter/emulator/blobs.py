"""The byte store behind every file handle, its HMAC-signed expiring URLs, and Range parsing."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

BLOB_PREFIX = "/_blob/"
EXTERNAL_PREFIX = "/_external/"
# Synapse tags only objects of at least this size for archival (FileHandleArchivalManager's
# S3_TAG_SIZE_THRESHOLD); a smaller object stays readable whatever its handle's status.
ARCHIVE_TAG_MIN_SIZE = 128 * 1024


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class BlobStore:
    """Bytes by key, as an S3 bucket holds them; file handles quote their md5 and size.

    Each object's md5 is computed once, when it is stored, and kept beside it: S3 stores an
    object's ETag (for a single-part upload, the md5 of its bytes) rather than hashing the
    object on every GET, and so does this stand-in (hashing 256 MiB per request took about
    0.35 s of the emulator's CPU, slowing every client of a large file alike)."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        self._md5: dict[str, str] = {}

    def put(self, key: str, data: bytes) -> tuple[str, int]:
        """Store `data`; return its md5 (hex) and size, which the file handle must carry."""
        self._data[key] = data
        self._md5[key] = md5_hex(data)
        return self._md5[key], len(data)

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def etag(self, key: str) -> str:
        """The stored object's ETag: its md5 (hex), quoted, as S3 sends it."""
        return f'"{self._md5[key]}"'

    def digest(self, key: str) -> tuple[str, int]:
        """The md5 (hex) and size of the bytes stored under `key`."""
        return self._md5[key], len(self._data[key])


class UrlSigner:
    """Presigned URLs for the blob route: HMAC-SHA256 over key and expiry, like S3's query auth."""

    def __init__(self, secret: bytes, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._ttl_s = ttl_s
        self._clock = clock

    def _mac(self, key: str, expires: str) -> str:
        message = f"{key}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, origin: str, key: str) -> str:
        """An absolute URL on `origin` (the emulator's own scheme and host) valid for the TTL."""
        expires = str(int((self._clock() + self._ttl_s) * 1000))
        query = urlencode({"expires": expires, "signature": self._mac(key, expires)})
        return f"{origin}{BLOB_PREFIX}{quote(key, safe='/')}?{query}"

    def refusal(self, key: str, expires: str | None, signature: str | None) -> str | None:
        """Why a URL is not honoured (an S3 error code), or None when it is valid now."""
        if not expires or not signature:
            return "AccessDenied"
        if not hmac.compare_digest(self._mac(key, expires), signature):
            return "SignatureDoesNotMatch"
        if not expires.isdigit() or int(expires) < self._clock() * 1000:
            return "ExpiredRequest"
        return None


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range


UNSATISFIABLE = ByteRange(-1, -1)


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One `bytes=` range (RFC 9110 14.1.2) against `size`.

    None means serve the whole object: no header, a malformed one, or several ranges, which
    S3 does not support and answers with the whole object. UNSATISFIABLE means 416.
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, sep, last = header[len("bytes=") :].strip().partition("-")
    if not sep or not (first.isdigit() or last.isdigit()):
        return None
    if (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:  # suffix range: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    if last and int(last) < start:  # an invalid range is ignored, not refused
        return None
    if start >= size:
        return UNSATISFIABLE
    end = int(last) if last else size - 1
    return ByteRange(start, min(end, size - 1))
