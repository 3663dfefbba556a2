"""The storage side: presigned (S3-like) and unsigned (external) GET and HEAD, with Range."""

from __future__ import annotations

import asyncio
from email.utils import formatdate
from xml.sax.saxutils import escape

from aiohttp import web

from adapter.emulator.blobs import ARCHIVE_TAG_MIN_SIZE, UNSATISFIABLE, parse_range
from adapter.emulator.keys import BLOBS, CATALOGUE, SIGNER, STATE
from adapter.emulator.model import ARCHIVED, FileHandle
from adapter.emulator.state import EmulatorState

# S3's answers to a URL it will not honour: (status, code, message).
_REFUSALS = {
    "AccessDenied": (403, "AccessDenied", "Query-string authentication requires a signature"),
    "SignatureDoesNotMatch": (
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    ),
    "ExpiredRequest": (403, "AccessDenied", "Request has expired"),
    "NoSuchKey": (404, "NoSuchKey", "The specified key does not exist."),
    # GET of an object in an archive tier: it must be restored first (HEAD still works).
    "InvalidObjectState": (
        403,
        "InvalidObjectState",
        "The operation is not valid for the object's access tier",
    ),
}
LAST_MODIFIED = formatdate(1704067200, usegmt=True)  # the catalogue's 2024-01-01


def _s3_error(request: web.Request, code: str) -> web.Response:
    status, s3_code, message = _REFUSALS[code]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{s3_code}</Code><Message>{escape(message)}</Message>"
        f"<Resource>{escape(request.path)}</Resource></Error>"
    )
    body = b"" if request.method == "HEAD" else xml.encode()
    return web.Response(body=body, status=status, content_type="application/xml")


async def get_signed_blob(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    refusal = request.app[SIGNER].refusal(
        key, request.query.get("expires"), request.query.get("signature")
    )
    if refusal is not None:
        _count(request)
        return _s3_error(request, refusal)
    return await _serve(request, key)


async def get_external_blob(request: web.Request) -> web.StreamResponse:
    """An ExternalFileHandle's URL: a plain web server, no signature, no expiry."""
    key = request.match_info["key"]
    handle = _handle_of(request, key)
    if handle is None or not handle.external:
        _count(request)
        return _s3_error(request, "NoSuchKey")
    return await _serve(request, key)


def _count(request: web.Request) -> None:
    counters = request.app[STATE].counters
    counters.blob_requests += 1
    counters.blob_ranges.append(request.headers.get("Range", "")[:100])
    if "Authorization" in request.headers:
        counters.blob_authorized += 1


async def _serve(request: web.Request, key: str) -> web.StreamResponse:
    _count(request)
    blobs = request.app[BLOBS]
    data = blobs.get(key)
    if data is None:
        return _s3_error(request, "NoSuchKey")
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": blobs.etag(key),
        "Last-Modified": LAST_MODIFIED,
    }
    handle = _handle_of(request, key)
    content_type = handle.content_type if handle is not None else "binary/octet-stream"
    if handle is not None and _archived(handle, len(data)):
        # Synapse's lifecycle rule moved the tagged object to Intelligent-Tiering's archive tier.
        tier = {
            "x-amz-storage-class": "INTELLIGENT_TIERING",
            "x-amz-archive-status": "ARCHIVE_ACCESS",
        }
        if request.method != "HEAD":
            refusal = _s3_error(request, "InvalidObjectState")
            refusal.headers.update(tier)
            return refusal
        headers.update(tier)
    size = len(data)
    wanted = parse_range(request.headers.get("Range"), size)
    if wanted is UNSATISFIABLE:
        headers["Content-Range"] = f"bytes */{size}"
        return web.Response(status=416, headers=headers)
    status = 200
    if wanted is not None:
        headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
        data = data[wanted.start : wanted.end + 1]
        status = 206
    state = request.app[STATE]
    if request.method == "GET" and data and state.draw(state.faults.corrupt_rate):
        state.counters.faulted["corrupt"] += 1
        data = _flip_one_byte(state, data)
    faults = state.faults
    if request.method == "GET" and (faults.blob_bytes_per_s or faults.blob_cut_after_bytes):
        headers["Content-Type"] = content_type
        return await _trickle(request, state, status, headers, data)
    if request.method == "GET":
        state.counters.blob_bytes += len(data)
    # aiohttp sends no body for HEAD but keeps the Content-Length of the one given.
    return web.Response(body=data, status=status, headers=headers, content_type=content_type)


def _flip_one_byte(state: EmulatorState, data: bytes) -> bytes:
    """The same length with one bit pattern inverted: what a bad disk or proxy hands over."""
    position = state.rng.randrange(len(data))
    corrupted = bytearray(data)
    corrupted[position] ^= 0xFF
    return bytes(corrupted)


async def _trickle(
    request: web.Request,
    state: EmulatorState,
    status: int,
    headers: dict[str, str],
    data: bytes,
) -> web.StreamResponse:
    """Send the body at `blob_bytes_per_s`, and drop the connection after
    `blob_cut_after_bytes` of it, as a slow link that breaks mid-transfer does."""
    faults = state.faults
    stream = web.StreamResponse(status=status, headers=headers)
    stream.content_length = len(data)
    await stream.prepare(request)
    rate, cut = faults.blob_bytes_per_s, faults.blob_cut_after_bytes
    step = max(1024, int(rate / 20)) if rate else 64 * 1024
    limit = min(cut, len(data)) if cut else len(data)
    sent = 0
    while sent < limit:
        chunk = data[sent : min(limit, sent + step)]
        await stream.write(chunk)
        state.counters.blob_bytes += len(chunk)
        sent += len(chunk)
        if rate:
            await asyncio.sleep(len(chunk) / rate)
    if limit < len(data):
        state.counters.faulted["cut"] += 1
        if request.transport is not None:
            request.transport.abort()
        return stream
    await stream.write_eof()
    return stream


def _handle_of(request: web.Request, key: str) -> FileHandle | None:
    """The file handle whose bytes live under `key` (`<creator>/<handle id>/<file name>`)."""
    parts = key.split("/")
    return request.app[CATALOGUE].handles.get(parts[1]) if len(parts) >= 3 else None


def _archived(handle: FileHandle, size: int) -> bool:
    """Whether the bytes sit in an archive tier: an ARCHIVED handle's object, if tagged."""
    return handle.status == ARCHIVED and size >= ARCHIVE_TAG_MIN_SIZE
