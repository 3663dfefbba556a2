"""Many files at once: sign them in bulk, a hundred at a time, and download in parallel.

Signing goes through bulk `POST /objects/access` in requests of 100 access ids, which the
service turns into one Synapse `fileHandle/batch` call each. A hundred URLs are signed only
when the workers have taken the previous hundred, so URLs wait little before use; one that
has expired anyway is re-signed by `download.fetch`, one object at a time.
"""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict

import aiohttp

from adapter.cli.api import ApiError, DrsApi, Signed
from adapter.cli.download import DownloadFailed, fetch
from adapter.cli.plan import FileJob
from adapter.cli.progress import Reporter, Row

SIGN_CHUNK = 100  # Synapse signs at most 100 file handles per batch call

_Item = tuple[FileJob, Signed | str] | None


class Fetcher:
    def __init__(
        self, api: DrsApi, storage: aiohttp.ClientSession, reporter: Reporter, jobs: int
    ) -> None:
        self.api = api
        self.storage = storage
        self.reporter = reporter
        self.jobs = jobs
        self.rows: list[Row] = []

    async def run(self, jobs: list[FileJob]) -> list[Row]:
        if not jobs:
            return []
        queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize=SIGN_CHUNK)
        workers = min(self.jobs, len(jobs))
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(self._work(queue))
            await self._sign_all(jobs, queue)
            for _ in range(workers):
                await queue.put(None)
        return self.rows

    async def _sign_all(self, jobs: list[FileJob], queue: asyncio.Queue[_Item]) -> None:
        by_base: dict[str, list[FileJob]] = defaultdict(list)
        for job in jobs:
            if job.access_url is not None and job.access_id is None:
                await queue.put((job, Signed(job.access_url)))
            else:
                by_base[job.base].append(job)
        for base, waiting in by_base.items():
            for start in range(0, len(waiting), SIGN_CHUNK):
                for item in await self._sign(base, waiting[start : start + SIGN_CHUNK]):
                    await queue.put(item)

    async def _sign(self, base: str, chunk: list[FileJob]) -> list[tuple[FileJob, Signed | str]]:
        pairs = [(job.object_id, job.access_id or "") for job in chunk]
        try:
            answer = await self.api.bulk_access(base, pairs, SIGN_CHUNK)
        except ApiError as error:
            return [(job, str(error)) for job in chunk]
        signed: list[tuple[FileJob, Signed | str]] = []
        for job in chunk:
            url = answer.resolved.get(job.object_id)
            if url is None:
                # The bulk answer has only a status: ask for this one to get the words.
                try:
                    url = await self._resign(job)
                except ApiError as error:
                    signed.append((job, str(error)))
                    continue
            signed.append((job, url))
        return signed

    async def _resign(self, job: FileJob) -> Signed:
        if job.access_id is None:
            raise ApiError(0, "storage refused the URL and the object has no access id")
        return await self.api.access_url(job.base, job.object_id, job.access_id)

    async def _work(self, queue: asyncio.Queue[_Item]) -> None:
        while (item := await queue.get()) is not None:
            job, signed = item
            if isinstance(signed, str):
                self._finish(Row("failed", job.object_id, job.dest, job.size, signed))
                continue
            progress = self.reporter.file_started(job)
            try:
                await fetch(
                    self.storage, job, signed, functools.partial(self._resign, job), progress
                )
            except (DownloadFailed, OSError) as error:
                message = str(error) or type(error).__name__
                self._finish(Row("failed", job.object_id, job.dest, job.size, message))
            else:
                self._finish(Row("downloaded", job.object_id, job.dest, job.size))

    def _finish(self, row: Row) -> None:
        self.rows.append(row)
        self.reporter.file_finished(row)
