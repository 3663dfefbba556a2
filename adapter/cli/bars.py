"""The live display on a terminal: a bar per file in flight and one overall (rich.progress).

A module of its own so that rich.progress is imported only when there is a terminal to draw
on; piped or logged runs (and the start-up of every run) do without it.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from adapter.cli.download import FileProgress
from adapter.cli.plan import FileJob
from adapter.cli.progress import Row, describe


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
        self.console.print(Text(describe(row), style=style))

    def end(self) -> None:
        self.progress.stop()
