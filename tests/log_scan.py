"""Every log line the suite produces is kept, so a session-end check can scan it for tokens."""

from __future__ import annotations

import logging
from typing import Any

# Every bearer token any emulator handed out during the session.
ISSUED_TOKENS: set[str] = set()


def remember_tokens(manifest: dict[str, Any]) -> None:
    for user in manifest["users"].values():
        ISSUED_TOKENS.add(user["token"])
    ISSUED_TOKENS.add(manifest["invalid_token"])


class CapturingHandler(logging.Handler):
    """Keeps each formatted line (the same JSON the service writes to stdout)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
