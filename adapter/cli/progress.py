"""What a person sees: live bars on a terminal, plain lines elsewhere, a summary at the end.

On a terminal (rich, adapter/cli/bars.py): one bar per file in flight and one overall, each
with bytes, rate and ETA, and a line above the bars as each file ends. Not on a terminal (a
pipe, a log file, CI): no escape codes, one plain line per file as it ends, so the output
reads well in a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from rich import box
from rich.console import Console
from rich.filesize import decimal
from rich.table import Table
from rich.text import Text

from adapter.cli.download import FileProgress
from adapter.cli.plan import FileJob

Status = Literal["downloaded", "skipped", "failed"]


@dataclass(frozen=True, slots=True)
class Row:
    """How one object ended."""

    status: Status
    object_id: str
    path: Path | None
    size: int
    message: str = ""


class Reporter(Protocol):
    def begin(self, files: int, total_bytes: int, skipped: int) -> None: ...

    def file_started(self, job: FileJob) -> FileProgress: ...

    def file_finished(self, row: Row) -> None: ...

    def end(self) -> None: ...


def make_reporter(console: Console) -> Reporter:
    if not console.is_terminal:
        return PlainReporter(console)
    # Only a terminal shows bars: rich.progress is imported then, not on every start-up.
    from adapter.cli.bars import RichReporter

    return RichReporter(console)


def describe(row: Row) -> str:
    """`downloaded syn1.1  out/a.txt  71 bytes`, `failed     syn2.1  out/b.txt: 403: ...`."""
    parts = [f"{row.status:<10} {row.object_id}"]
    if row.path is not None:
        parts.append(str(row.path))
    if row.status != "failed":
        parts.append(decimal(row.size))
    line = "  ".join(parts)
    return f"{line}: {row.message}" if row.message else line


class _Quiet:
    """Plain mode keeps no per-file state: only the end of each file is printed."""

    def advance(self, count: int) -> None:
        pass

    def restart(self, completed: int) -> None:
        pass


class PlainReporter:
    def __init__(self, console: Console) -> None:
        self.console = console

    def _line(self, text: str) -> None:
        self.console.out(text, highlight=False)

    def begin(self, files: int, total_bytes: int, skipped: int) -> None:
        self._line(
            f"fetching {files} files ({decimal(total_bytes)}); {skipped} already here and verified"
        )

    def file_started(self, job: FileJob) -> FileProgress:
        return _Quiet()

    def file_finished(self, row: Row) -> None:
        self._line(describe(row))

    def end(self) -> None:
        pass


def print_summary(console: Console, rows: list[Row]) -> None:
    """Files and bytes by outcome, then every failure with the service's message."""
    styled = console.is_terminal
    counts = Table(
        title="Summary",
        box=box.SIMPLE if styled else box.ASCII,
        title_justify="left",
        header_style="bold" if styled else "",
    )
    counts.add_column("result")
    counts.add_column("files", justify="right")
    counts.add_column("bytes", justify="right")
    for status in ("downloaded", "skipped", "failed"):
        some = [r for r in rows if r.status == status]
        size = decimal(sum(r.size for r in some)) if status != "failed" else "-"
        counts.add_row(status, str(len(some)), size)
    console.print(counts)
    failed = [r for r in rows if r.status == "failed"]
    if not failed:
        return
    table = Table(
        title="Failures",
        box=box.SIMPLE if styled else box.ASCII,
        title_justify="left",
        header_style="bold red" if styled else "",
    )
    table.add_column("object")
    table.add_column("path")
    table.add_column("error", overflow="fold")
    for row in failed:
        table.add_row(row.object_id, str(row.path) if row.path else "-", Text(row.message))
    console.print(table)
