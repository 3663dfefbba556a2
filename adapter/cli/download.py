"""One file's bytes: into `NAME.part`, resumed with HTTP Range, verified, then renamed.

- Bad bytes never sit under the final name: the checksum is computed while writing and the
  `.part` file becomes `NAME` only when it matches the DrsObject's.
- A `.part` left by an earlier run is hashed and continued (`Range: bytes=N-`), not restarted.
- Storage that refuses the URL (presigned URLs live about 30 s; 403 once expired) gets a
  fresh one from the service, and the transfer resumes where it stopped; a dropped
  connection or a 5xx is retried the same way.
- Requests to storage carry no credentials: the storage session is not the API's.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import aiohttp

from adapter.cli.api import ApiError, Signed
from adapter.cli.plan import FileJob

CHUNK = 1 << 20
MAX_TRIES = 8  # dropped connections and 5xx answers, per file
MAX_RESIGNS = 6  # fresh URLs, per file
_HASH_BLOCK = 1 << 22


class DownloadFailed(Exception):
    """This file did not arrive; the message says why."""


class FileProgress(Protocol):
    def advance(self, count: int) -> None: ...

    def restart(self, completed: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Fetched:
    """A verified file: bytes moved by this run, and where the run took up a leftover part."""

    transferred: int
    resumed_from: int


Resign = Callable[[], Awaitable[Signed]]


def part_path(dest: Path) -> Path:
    return dest.with_name(f"{dest.name}.part")


def file_digest(path: Path, algorithm: str) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, algorithm).hexdigest()


def already_there(job: FileJob) -> bool:
    """The final file exists with the right size and checksum (a rerun skips it)."""
    try:
        if job.dest.stat().st_size != job.size:
            return False
    except OSError:
        return False
    return file_digest(job.dest, job.algorithm) == job.checksum


def _absorb(part: Path, algorithm: str, size: int) -> tuple[hashlib._Hash, int]:
    """Hash what an earlier run left in `part`; drop it if it is longer than the object."""
    hasher = hashlib.new(algorithm)
    try:
        held = part.stat().st_size
    except FileNotFoundError:
        return hasher, 0
    if held > size:
        part.unlink()
        return hasher, 0
    with part.open("rb") as source:
        while block := source.read(_HASH_BLOCK):
            hasher.update(block)
    return hasher, held


class _Retry(Exception):
    """Storage answered with something worth asking again (5xx, 429)."""


async def fetch(
    storage: aiohttp.ClientSession,
    job: FileJob,
    signed: Signed,
    resign: Resign,
    progress: FileProgress,
) -> Fetched:
    """Fetch `job` to its destination, or raise DownloadFailed (leaving no bad bytes)."""
    job.dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(job.dest)
    hasher, offset = await asyncio.to_thread(_absorb, part, job.algorithm, job.size)
    resumed_from = offset
    transfer = _Transfer(storage, job, signed, resign, progress)
    got = await transfer.run(part, hasher, offset)
    if got != job.checksum:
        part.unlink(missing_ok=True)
        if resumed_from:
            # The leftover part may hold another version's bytes: one clean try from zero.
            hasher = hashlib.new(job.algorithm)
            progress.restart(0)
            resumed_from = 0
            got = await transfer.run(part, hasher, 0)
        if got != job.checksum:
            part.unlink(missing_ok=True)
            raise DownloadFailed(
                f"{job.algorithm} mismatch: expected {job.checksum}, got {got}; bytes discarded"
            )
    os.replace(part, job.dest)
    return Fetched(transfer.transferred, resumed_from)


class _Transfer:
    """The request loop of one file: Range from the current offset, new URLs when refused."""

    def __init__(
        self,
        storage: aiohttp.ClientSession,
        job: FileJob,
        signed: Signed,
        resign: Resign,
        progress: FileProgress,
    ) -> None:
        self.storage = storage
        self.job = job
        self.signed = signed
        self.resign = resign
        self.progress = progress
        self.tries = 0
        self.resigns = 0
        self.transferred = 0
        self.offset = 0
        self.hasher = hashlib.new(job.algorithm)

    async def run(self, part: Path, hasher: hashlib._Hash, offset: int) -> str:
        """Bring `part` from `offset` to the object's size; return the hex digest."""
        self.hasher = hasher
        self.offset = offset
        with part.open("r+b" if offset else "wb") as out:
            out.seek(offset)
            out.truncate()
            self.progress.restart(offset)
            while self.offset < self.job.size:
                before = self.offset
                try:
                    await self._request(out)
                except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as exc:
                    await self._pause(before, f"the connection broke ({type(exc).__name__})")
                except (TimeoutError, _Retry) as exc:
                    await self._pause(before, str(exc) or "storage timed out")
                finally:
                    out.flush()
        return self.hasher.hexdigest()

    async def _pause(self, before: int, why: str) -> None:
        """Wait before asking again; the budget of tries is per stall, not per file."""
        if self.offset > before:
            self.tries = 0
        self.tries += 1
        if self.tries >= MAX_TRIES:
            raise DownloadFailed(f"gave up after {self.tries} tries: {why}")
        await asyncio.sleep(min(0.1 * 2**self.tries, 5.0))

    async def _fresh_url(self, status: int) -> None:
        self.resigns += 1
        if self.resigns > MAX_RESIGNS:
            raise DownloadFailed(f"storage kept refusing fresh URLs (HTTP {status})")
        try:
            self.signed = await self.resign()
        except ApiError as error:
            raise DownloadFailed(str(error)) from None

    async def _request(self, out: _Writable) -> None:
        """One GET from `self.offset`, which moves on with every chunk written."""
        headers = dict(self.signed.headers)
        if self.offset:
            headers["Range"] = f"bytes={self.offset}-"
        async with self.storage.get(self.signed.url, headers=headers) as response:
            status = response.status
            if status in (401, 403):
                await self._fresh_url(status)
                return
            if status == 429 or status >= 500:
                raise _Retry(f"storage answered HTTP {status}")
            if status == 200 and self.offset:
                # Storage ignored the Range: the whole body follows, so start over.
                out.seek(0)
                out.truncate()
                self.hasher = hashlib.new(self.job.algorithm)
                self.offset = 0
                self.progress.restart(0)
            elif status == 206:
                start = _range_start(response.headers.get("Content-Range", ""))
                if start != self.offset:
                    raise DownloadFailed(f"storage sent bytes from {start}, not {self.offset}")
            elif status != 200:
                raise DownloadFailed(f"storage answered HTTP {status}")
            self.resigns = 0  # a URL that works: the budget of fresh URLs starts again
            # Hashing and writing run in a thread (both release the GIL), one chunk behind
            # the socket, so reading the next chunk overlaps them.
            loop = asyncio.get_running_loop()
            behind: asyncio.Future[None] | None = None
            try:
                async for chunk in response.content.iter_chunked(CHUNK):
                    if self.offset + len(chunk) > self.job.size:
                        raise DownloadFailed(f"storage sent more than the {self.job.size} bytes")
                    if behind is not None:
                        await behind
                    behind = loop.run_in_executor(None, self._keep, out, self.hasher, chunk)
                    self.offset += len(chunk)
                    self.transferred += len(chunk)
                    self.progress.advance(len(chunk))
            finally:
                if behind is not None:
                    await behind

    @staticmethod
    def _keep(out: _Writable, hasher: hashlib._Hash, chunk: bytes) -> None:
        out.write(chunk)
        hasher.update(chunk)


class _Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...

    def seek(self, offset: int, /) -> int: ...

    def truncate(self) -> int: ...


def _range_start(content_range: str) -> int | None:
    """`bytes 100-199/1000` -> 100."""
    unit, _, spec = content_range.partition(" ")
    first = spec.split("-", 1)[0]
    return int(first) if unit == "bytes" and first.isdigit() else None
