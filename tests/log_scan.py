"""Every log line the suite produces is kept, so a session-end check can scan it for tokens."""

from __future__ import annotations

import io
import sys
from typing import Any

# Every bearer token any emulator handed out during the session.
ISSUED_TOKENS: set[str] = set()


def remember_tokens(manifest: dict[str, Any]) -> None:
    for user in manifest["users"].values():
        ISSUED_TOKENS.add(user["token"])
    ISSUED_TOKENS.add(manifest["invalid_token"])


class CapturingStream(io.TextIOBase):
    """Keeps every line written (the JSON the service writes) and passes it on to stdout.

    Like sys.stdout, it takes text (standard-library records) and, through `buffer`, bytes
    (structlog's lines): both kinds are kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.buffer = _CapturingBuffer(self)

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line)
        # Looked up at each write, so pytest's per-test capture still shows the lines.
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


class _CapturingBuffer(io.RawIOBase):
    """The binary side of a CapturingStream."""

    def __init__(self, text: CapturingStream) -> None:
        super().__init__()
        self._text = text

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._text.write(bytes(data).decode())
        return len(data)

    def flush(self) -> None:
        self._text.flush()
