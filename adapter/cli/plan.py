"""From ids to files: resolve objects in bulk, open Datasets into folders, name every file.

A blob lands as `DIR/<its name>`; a bundle (a Synapse Dataset) as `DIR/<bundle name>/` with
its members inside, nested bundles as nested folders. Names are made safe for one path
component, and a name taken twice in one folder gets its object id in front, so a rerun
maps every object to the same path.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapter.cli.api import ApiError, DrsApi
from adapter.cli.uris import Target

# Checksum types the command verifies, best first, with their hashlib names.
ALGORITHMS = {"md5": "md5", "sha-256": "sha256", "sha256": "sha256", "sha-1": "sha1"}
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')


@dataclass(frozen=True, slots=True)
class FileJob:
    """One blob to fetch, verify, and leave at `dest`."""

    base: str
    object_id: str
    name: str
    size: int
    algorithm: str  # a hashlib name
    checksum: str
    access_id: str | None
    access_url: str | None
    dest: Path


@dataclass(frozen=True, slots=True)
class Failure:
    """An object (or file) that will not arrive, with the service's message."""

    object_id: str
    message: str
    dest: Path | None = None


@dataclass
class Plan:
    jobs: list[FileJob] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def safe_name(name: str, fallback: str) -> str:
    """One path component: no separators or control characters, never `.` or `..`."""
    cleaned = _UNSAFE.sub("_", name).strip()[:255]
    return fallback if cleaned in ("", ".", "..") else cleaned


def pick_checksum(drs_object: dict[str, Any]) -> tuple[str, str] | None:
    found = {
        str(c.get("type", "")).lower(): str(c.get("checksum", "")).lower()
        for c in drs_object.get("checksums") or []
    }
    for kind, algorithm in ALGORITHMS.items():
        if found.get(kind):
            return algorithm, found[kind]
    return None


def https_access(drs_object: dict[str, Any]) -> tuple[str | None, str | None] | None:
    """The first https access method: (access id, inline URL); None if there is none."""
    for method in drs_object.get("access_methods") or []:
        if method.get("type") == "https":
            inline = (method.get("access_url") or {}).get("url")
            return method.get("access_id"), inline
    return None


class Planner:
    """Resolves targets with bulk `POST /objects` and turns them into `FileJob`s."""

    def __init__(self, api: DrsApi, out_dir: Path) -> None:
        self.api = api
        self.out_dir = out_dir
        self.plan = Plan()
        self._taken: dict[Path, set[str]] = defaultdict(set)

    async def add(self, targets: list[Target]) -> Plan:
        by_base: dict[str, list[str]] = defaultdict(list)
        for target in targets:
            if target.object_id not in by_base[target.base]:
                by_base[target.base].append(target.object_id)
        for base, ids in by_base.items():
            await self._expand(base, ids, self.out_dir, depth=0)
        return self.plan

    async def _expand(self, base: str, ids: list[str], folder: Path, depth: int) -> None:
        try:
            answer = await self.api.bulk_objects(base, ids)
        except ApiError as error:
            self.plan.failures.extend(Failure(i, str(error)) for i in ids)
            return
        for object_id in ids:
            if object_id in answer.failed:
                message = await self._why(base, object_id, answer.failed[object_id])
                self.plan.failures.append(Failure(object_id, message))
                continue
            drs_object = answer.resolved[object_id]
            if drs_object.get("contents") is not None:
                await self._bundle(base, drs_object, folder, depth)
            else:
                self._blob(base, drs_object, folder)

    async def _why(self, base: str, object_id: str, status: int) -> str:
        """Bulk answers carry only a status; ask once more for the service's own words."""
        try:
            await self.api.get_object(Target(base, object_id))
        except ApiError as error:
            return str(error)
        return f"{status}: the service could not resolve this object in bulk"

    async def _bundle(self, base: str, bundle: dict[str, Any], folder: Path, depth: int) -> None:
        object_id = str(bundle["id"])
        if depth >= 8:
            self.plan.failures.append(Failure(object_id, "bundles nested more than 8 deep"))
            return
        inner = folder / self._claim(folder, str(bundle.get("name") or object_id), object_id)
        # Members are resolved on the server that served the bundle (their drs_uri names the
        # public host, which a --server run may not reach).
        members = [str(item["id"]) for item in bundle["contents"] if item.get("id")]
        if members:
            await self._expand(base, members, inner, depth + 1)
        else:
            inner.mkdir(parents=True, exist_ok=True)

    def _blob(self, base: str, drs_object: dict[str, Any], folder: Path) -> None:
        object_id = str(drs_object["id"])
        checksum = pick_checksum(drs_object)
        access = https_access(drs_object)
        name = self._claim(folder, str(drs_object.get("name") or object_id), object_id)
        dest = folder / name
        if checksum is None:
            self.plan.failures.append(Failure(object_id, "the object has no md5 to verify", dest))
        elif access is None or access == (None, None):
            self.plan.failures.append(Failure(object_id, "the object has no https access", dest))
        else:
            self.plan.jobs.append(
                FileJob(
                    base=base,
                    object_id=object_id,
                    name=name,
                    size=int(drs_object.get("size") or 0),
                    algorithm=checksum[0],
                    checksum=checksum[1],
                    access_id=access[0],
                    access_url=access[1],
                    dest=dest,
                )
            )

    def _claim(self, folder: Path, name: str, object_id: str) -> str:
        """A name unique in `folder`: the object's own, else prefixed with its id."""
        taken = self._taken[folder]
        candidate = safe_name(name, safe_name(object_id, "object"))
        if candidate.lower() in taken:
            candidate = safe_name(f"{object_id}_{candidate}", "object")
        taken.add(candidate.lower())
        return candidate
