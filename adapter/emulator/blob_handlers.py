"""The storage side: presigned (S3-like) and unsigned (external) GET and HEAD, with Range."""

from __future__ import annotations

from email.utils import formatdate
from xml.sax.saxutils import escape

from aiohttp import web

from adapter.emulator.blobs import ARCHIVE_TAG_MIN_SIZE, UNSATISFIABLE, md5_hex, parse_range
from adapter.emulator.keys import BLOBS, CATALOGUE, SIGNER, STATE
from adapter.emulator.model import ARCHIVED, FileHandle

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


async def get_signed_blob(request: web.Request) -> web.Response:
    key = request.match_info["key"]
    refusal = request.app[SIGNER].refusal(
        key, request.query.get("expires"), request.query.get("signature")
    )
    if refusal is not None:
        request.app[STATE].counters.blob_requests += 1
        return _s3_error(request, refusal)
    return _serve(request, key)


async def get_external_blob(request: web.Request) -> web.Response:
    """An ExternalFileHandle's URL: a plain web server, no signature, no expiry."""
    key = request.match_info["key"]
    handle = _handle_of(request, key)
    if handle is None or not handle.external:
        request.app[STATE].counters.blob_requests += 1
        return _s3_error(request, "NoSuchKey")
    return _serve(request, key)


def _serve(request: web.Request, key: str) -> web.Response:
    request.app[STATE].counters.blob_requests += 1
    data = request.app[BLOBS].get(key)
    if data is None:
        return _s3_error(request, "NoSuchKey")
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": f'"{md5_hex(data)}"',
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
    # aiohttp sends no body for HEAD but keeps the Content-Length of the one given.
    return web.Response(body=data, status=status, headers=headers, content_type=content_type)


def _handle_of(request: web.Request, key: str) -> FileHandle | None:
    """The file handle whose bytes live under `key` (`<creator>/<handle id>/<file name>`)."""
    parts = key.split("/")
    return request.app[CATALOGUE].handles.get(parts[1]) if len(parts) >= 3 else None


def _archived(handle: FileHandle, size: int) -> bool:
    """Whether the bytes sit in an archive tier: an ARCHIVED handle's object, if tagged."""
    return handle.status == ARCHIVED and size >= ARCHIVE_TAG_MIN_SIZE
