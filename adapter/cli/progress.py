"""What a person sees: live bars on a terminal, plain lines elsewhere, a summary at the end.

On a terminal (rich): one bar per file in flight and one overall, each with bytes, rate and
ETA, and a line above the bars as each file ends. Not on a terminal (a pipe, a log file, CI):
no escape codes, one plain line per file as it ends, so the output reads well in a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from rich import box
from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
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
    return RichReporter(console) if console.is_terminal else PlainReporter(console)


def _describe(row: Row) -> str:
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
        self._line(_describe(row))

    def end(self) -> None:
        pass


class _Bar:
    """One file's bar; it moves the overall bar by the same amounts."""

    def __init__(self, progress: Progress, task: TaskID, overall: TaskID, size: int) -> None:
        self.progress = progress
        self.task = task
        self.overall = overall
        self.size = size
        self.completed = 0

    def advance(self, count: int) -> None:
        self.completed += count
        self.progress.advance(self.task, count)
        self.progress.advance(self.overall, count)

    def restart(self, completed: int) -> None:
        self.progress.advance(self.overall, completed - self.completed)
        self.completed = completed
        self.progress.update(self.task, completed=completed)


class RichReporter:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.overall = self.progress.add_task("all files", total=0)
        self.bars: dict[Path, _Bar] = {}
        self.files = 0
        self.done = 0

    def begin(self, files: int, total_bytes: int, skipped: int) -> None:
        self.files = files
        if skipped:
            self.console.print(f"{skipped} files already here and verified", highlight=False)
        self.progress.update(self.overall, total=total_bytes, description=self._overall())
        self.progress.start()

    def _overall(self) -> str:
        return f"all files {self.done}/{self.files}"

    def file_started(self, job: FileJob) -> FileProgress:
        task = self.progress.add_task(job.name, total=job.size)
        bar = _Bar(self.progress, task, self.overall, job.size)
        self.bars[job.dest] = bar
        return bar

    def file_finished(self, row: Row) -> None:
        bar = self.bars.pop(row.path, None) if row.path is not None else None
        if bar is not None:
            self.progress.remove_task(bar.task)
            if row.status == "failed":  # its bytes will not arrive: take them off the total
                total = self.progress.tasks[self.overall].total or 0
                self.progress.update(self.overall, total=total - (bar.size - bar.completed))
        if row.status != "skipped":
            self.done += 1
        self.progress.update(self.overall, description=self._overall())
        style = {"downloaded": "green", "skipped": "cyan", "failed": "bold red"}[row.status]
        self.console.print(Text(_describe(row), style=style))

    def end(self) -> None:
        self.progress.stop()


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
