"""structlog set-up: JSON lines to stdout, stdlib records routed through it, secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog

LogFormat = Literal["json", "console"]

# A bearer token in any string (a header echoed in an aiohttp record, a URL, a message) is
# replaced before the line is written: tokens are secrets and never reach a log line.
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s,;\"']+")
_SIGNED_QUERY = re.compile(r"(?i)((?:signature|x-amz-signature|x-amz-security-token)=)[^&\s\"']+")
_SECRET_KEYS = frozenset({"authorization", "token", "access_token", "password", "secret"})
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    """Return `text` with bearer tokens and URL signatures replaced."""
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
        event_dict["error"] = str(exc)[:500]
    return event_dict


def configure_logging(level: str = "INFO", fmt: LogFormat = "json") -> None:
    """Configure structlog and the standard library once, before any app is built."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    # aiohttp's and other libraries' stdlib records go through the same chain, so every
    # line on stdout is one JSON object with the same redaction applied.
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _summarise_exception,
            _redact,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's own access logger is replaced by ours (one line per request, with the route).
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
