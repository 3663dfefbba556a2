"""structlog set-up: JSON lines to stdout, stdlib records routed through it, secrets redacted."""

from __future__ import annotations

import io
import logging
import re
import sys
import time
from collections.abc import MutableMapping
from typing import Any, BinaryIO, Literal, TextIO, cast

import orjson
import structlog
from aiohttp.http_exceptions import HttpProcessingError

from adapter import context

LogFormat = Literal["json", "console"]

# A bearer token in any string (a header echoed in an aiohttp record, a URL, a message) is
# replaced before the line is written: tokens are secrets and never reach a log line.
# A token runs to the next white space: a quote or a comma inside it is still the token.
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")
# Any scheme: whatever follows an Authorization header's name, to the end of the line.
_AUTHORIZATION = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*)[^\r\n]+")
_SIGNED_QUERY = re.compile(r"(?i)((?:signature|x-amz-signature|x-amz-security-token)=)[^&\s\"']+")
_SECRET_KEYS = frozenset({"authorization", "token", "access_token", "password", "secret"})
REDACTED = "[redacted]"


# One cheap question first: most strings (routes, statuses, ids) hold nothing to redact.
# Plain substring tests of the lower-cased text: a case-folding regex alternation costs
# ten times more.
_SUSPECT = ("bearer", "authorization", "signature", "security-token")
# The same question asked once of a whole rendered JSON line, secret key names included.
_SUSPECT_IN_LINE = tuple(word.encode() for word in (*_SUSPECT, *_SECRET_KEYS))


def redact_text(text: str) -> str:
    """Return `text` with bearer tokens and URL signatures replaced."""
    folded = text.lower()
    if not any(word in folded for word in _SUSPECT):
        return text
    text = _AUTHORIZATION.sub(rf"\g<1>{REDACTED}", text)
    return _SIGNED_QUERY.sub(rf"\g<1>{REDACTED}", _BEARER.sub(rf"\g<1>{REDACTED}", text))


def _redact(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if key.lower() in _SECRET_KEYS:
            event_dict[key] = REDACTED
        elif isinstance(value, str):
            event_dict[key] = redact_text(value)
    return event_dict


def _add_request_id(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The id of the DRS request being served, on every line logged while serving it."""
    request_id = context.request_id.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


class _UtcTimestamp:
    """`timestamp`: ISO 8601 in UTC with microseconds, as structlog's TimeStamper(fmt="iso",
    utc=True) writes it, with the date and time of day formatted once a second instead of
    once a line (half the cost, 0.8 us against 1.6: the access log writes a line per request)."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(
        self, _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        event_dict["timestamp"] = f"{self._prefix}.{int((now - second) * 1_000_000):06d}Z"
        return event_dict


def _render_json(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> str:
    return orjson.dumps(event_dict, default=repr).decode()


def _render_json_redacted(logger: Any, method: str, event_dict: MutableMapping[str, Any]) -> bytes:
    """The line as JSON bytes; only when it holds something that may be a secret is each
    value redacted and the line rendered again (as _redact, then _render_json, would do)."""
    line = orjson.dumps(event_dict, default=repr)
    if _suspect(line):
        line = orjson.dumps(_redact(logger, method, event_dict), default=repr)
    return line


def _suspect(line: bytes) -> bool:
    folded = line.lower()
    return any(word in folded for word in _SUSPECT_IN_LINE)


ACCESS_LOGGER = "adapter.access"

# Where the JSON set-up writes structlog's lines (bytes), for the access log to write its own
# beside them (adapter/access.py); None with the console set-up.
_json_out: BinaryIO | None = None


def json_stream() -> BinaryIO | None:
    """The byte stream JSON lines go to, or None when lines are rendered for a console."""
    return _json_out


# What JSON lines wait in before they go out (at most a loop turn's access lines, or a line
# structlog writes, which flushes them): a few hundred lines.
LINE_BUFFER_BYTES = 64 * 1024


def _buffered(out: TextIO) -> BinaryIO:
    """`out`'s byte stream with a buffer in front: its own, or, when Python runs unbuffered
    (PYTHONUNBUFFERED, which containers set, this project's Dockerfile included), a new one
    over the same file, which it never closes. Unbuffered, every access line was a system
    call of its own, whatever adapter/access.py flushes; buffered, the lines of a loop turn
    leave in one (a cached read: 16.1 us of system time a request against 13.2 with no line;
    a pipe to a container runtime costs more per call than the bench's /dev/null)."""
    binary = out.buffer
    if not isinstance(binary, io.RawIOBase):
        return binary
    try:
        fd = binary.fileno()
    except OSError:  # io.UnsupportedOperation: a stream with no file behind it
        return cast(BinaryIO, io.BufferedWriter(binary, LINE_BUFFER_BYTES))
    return open(fd, "wb", buffering=LINE_BUFFER_BYTES, closefd=False)


# One clock for every line: structlog's and the access log's (adapter/access.py).
TIMESTAMP = _UtcTimestamp()


def _summarise_exception(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # No stack trace reaches a log line: an exception becomes its type and message only.
    exc_info = event_dict.pop("exc_info", None)
    exc: BaseException | None = None
    if isinstance(exc_info, BaseException):
        exc = exc_info
    elif isinstance(exc_info, tuple):
        exc = exc_info[1]
    elif exc_info:
        exc = sys.exc_info()[1]
    if exc is not None:
        event_dict["error_type"] = type(exc).__name__
        # aiohttp's HTTP parser errors quote the request's bytes (header values, tokens in
        # them, folded or not): their type is all that is logged.
        if not isinstance(exc, HttpProcessingError):
            event_dict["error"] = str(exc)[:500]
    return event_dict


def configure_logging(
    level: str = "INFO", fmt: LogFormat = "json", stream: TextIO | None = None
) -> None:
    """Configure structlog and the standard library once, before any app is built.

    structlog's own events are rendered and written directly (no detour through a stdlib
    LogRecord: on a cached read that detour was a third of the service's time); records of
    aiohttp and other libraries go through the same processors via the root handler. Both
    write one JSON object per line to `stream` (stdout by default), redacted the same way:
    structlog's as bytes to `stream.buffer`, the standard library's as text to `stream`.
    Both flush every line, so the two never interleave within a line or reorder; the access
    log's lines wait in the same buffer for the end of the loop turn (adapter/access.py).
    """
    global _json_out  # the one set-up of the process's logging
    out = stream if stream is not None else sys.stdout
    shared: list[structlog.types.Processor] = [
        _add_request_id,
        structlog.processors.add_log_level,
        TIMESTAMP,
    ]
    if fmt == "json":
        # orjson, and the redaction asked once of the rendered line instead of the standard
        # library's json and a redaction pass over every value (16 us a line became 9 us).
        # Written as bytes: orjson's output as it is, no text layer to decode and re-encode
        # (the access line cost 7.7 us instead of 12.9).
        own_tail: list[structlog.types.Processor] = [_render_json_redacted]
        foreign_tail: list[structlog.types.Processor] = [_redact, _render_json]
        binary = _buffered(out)
        factory: Any = structlog.BytesLoggerFactory(binary)
        _json_out = binary
        if binary is not out.buffer:
            # Records' lines through the same buffer, so they keep their place among the rest.
            out = io.TextIOWrapper(cast(Any, binary), encoding="utf-8", write_through=True)
    else:
        console = structlog.dev.ConsoleRenderer(colors=False)
        own_tail = foreign_tail = [_redact, console]
        factory = structlog.WriteLoggerFactory(out)
        _json_out = None
    structlog.configure(
        processors=[*shared, _logger_name, _summarise_exception, *own_tail],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _summarise_exception,
            *foreign_tail,
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's default access logger stays quiet; ours (adapter/access.py) writes the line.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    """A structlog logger whose lines carry `logger=<name>`, as stdlib records' lines do."""
    # `logger` itself is a parameter of structlog.get_logger: bind under another key and
    # rename it in the chain (_logger_name).
    return structlog.get_logger(logger_name=name)


def _logger_name(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    name = event_dict.pop("logger_name", None)
    if name is not None:
        event_dict["logger"] = name
    return event_dict
