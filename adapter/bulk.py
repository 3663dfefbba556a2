"""Bulk DRS: many objects or access URLs in one request, partial success (docs/behaviour.md §9)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapter.bodies import ObjectAccessIds
from adapter.errors import (
    AdapterError,
    BadGateway,
    BadRequest,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from adapter.ids import (
    EntityAccessId,
    HandleAccessId,
    ObjectId,
    access_id_for,
    parse_object_id,
)
from adapter.models import DrsObject, present
from adapter.resolver import Resolver
from adapter.synapse.client import BATCH_LIMIT
from adapter.synapse.models import BatchItem

# Synapse's per-item failure codes in fileHandle/batch answers.
_FAILURES: dict[str, type[AdapterError]] = {"UNAUTHORIZED": Forbidden, "NOT_FOUND": NotFound}


def check_length(count: int, limit: int) -> None:
    """Refuse a bulk request longer than `maxBulkRequestLength` before any work (413)."""
    if count > limit:
        raise PayloadTooLarge(
            f"This bulk request has {count} ids; at most {limit} are accepted per request"
        )


def access_request_length(entries: Sequence[ObjectAccessIds]) -> int:
    """Every access id counts; an object listed without access ids counts once."""
    return sum(max(1, len(entry.bulk_access_ids)) for entry in entries)


@dataclass
class Outcome:
    """Resolved items and unresolved ids grouped by error code, each in request order."""

    resolved: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, int, str]] = field(default_factory=list)

    def fail(self, position: int, status: int, object_id: str) -> None:
        self.failures.append((position, status, object_id))

    @property
    def unresolved(self) -> dict[int, list[str]]:
        grouped: dict[int, list[str]] = defaultdict(list)
        for _position, status, object_id in sorted(self.failures):
            if object_id not in grouped[status]:
                grouped[status].append(object_id)
        return grouped

    def body(self, resolved_key: str) -> dict[str, Any]:
        grouped = self.unresolved
        unresolved = sum(len(ids) for ids in grouped.values())
        return {
            "summary": {
                "requested": len(self.resolved) + unresolved,
                "resolved": len(self.resolved),
                "unresolved": unresolved,
            },
            resolved_key: self.resolved,
            "unresolved_drs_objects": [
                {"error_code": code, "object_ids": ids} for code, ids in sorted(grouped.items())
            ],
        }


def parse_unique(
    raw_ids: Iterable[str], max_length: int, outcome: Outcome
) -> dict[ObjectId, tuple[int, str]]:
    """Parse ids once each, keeping request position and spelling; malformed ones are 400s."""
    unique: dict[ObjectId, tuple[int, str]] = {}
    for position, raw in enumerate(raw_ids):
        try:
            object_id = parse_object_id(raw, max_length)
        except BadRequest:
            outcome.fail(position, 400, raw)
            continue
        unique.setdefault(object_id, (position, raw))
    return unique


def _raise_if_unauthenticated(errors: Iterable[object]) -> None:
    # A token Synapse refuses is refused for every item: answer the request itself with 401.
    for error in errors:
        if isinstance(error, Unauthorized):
            raise error


async def bulk_objects(
    resolver: Resolver, token: str | None, raw_ids: Sequence[str], host: str, max_length: int
) -> dict[str, Any]:
    outcome = Outcome()
    unique = parse_unique(raw_ids, max_length, outcome)

    async def one(object_id: ObjectId) -> DrsObject | AdapterError:
        try:
            return await resolver.drs_object(token, object_id, host)
        except AdapterError as exc:
            return exc

    # Fan out freely: the Synapse client's per-caller limiter bounds what is in flight.
    results = await asyncio.gather(*(one(object_id) for object_id in unique))
    _raise_if_unauthenticated(results)
    for (position, raw), result in zip(unique.values(), results, strict=True):
        if isinstance(result, AdapterError):
            outcome.fail(position, result.status, raw)
        else:
            outcome.resolved.append(present(result))
    return outcome.body("resolved_drs_object")


@dataclass(frozen=True, slots=True)
class _Pair:
    object_id: ObjectId
    access_id: EntityAccessId | HandleAccessId
    raw_object_id: str
    position: int

    def resolved(self, url: str) -> dict[str, Any]:
        return {
            "drs_object_id": str(self.object_id),
            "drs_access_id": str(self.access_id),
            "url": url,
        }


def _parse_pairs(
    entries: Sequence[ObjectAccessIds], max_length: int, outcome: Outcome
) -> list[_Pair]:
    pairs: dict[tuple[ObjectId, str], _Pair] = {}
    for position, entry in enumerate(entries):
        try:
            object_id = parse_object_id(entry.bulk_object_id, max_length)
            if not entry.bulk_access_ids:
                raise BadRequest("no access ids")
            parsed = [access_id_for(object_id, a, max_length) for a in entry.bulk_access_ids]
        except BadRequest:
            outcome.fail(position, 400, entry.bulk_object_id)
            continue
        for access_id in parsed:
            pair = _Pair(object_id, access_id, entry.bulk_object_id, position)
            pairs.setdefault((object_id, str(access_id)), pair)
    return list(pairs.values())


async def bulk_access(
    resolver: Resolver,
    token: str | None,
    entries: Sequence[ObjectAccessIds],
    max_length: int,
) -> dict[str, Any]:
    """Sign entity access ids through fileHandle/batch, 100 per call; raw handles one by one."""
    outcome = Outcome()
    pairs = _parse_pairs(entries, max_length, outcome)
    entity_pairs = [p for p in pairs if isinstance(p.access_id, EntityAccessId)]
    handle_pairs = [p for p in pairs if isinstance(p.access_id, HandleAccessId)]
    chunks = [entity_pairs[i : i + BATCH_LIMIT] for i in range(0, len(entity_pairs), BATCH_LIMIT)]
    batch_results = await asyncio.gather(*(_sign_batch(resolver, token, c) for c in chunks))
    handle_results = await asyncio.gather(*(_sign_handle(resolver, token, p) for p in handle_pairs))
    results: dict[_Pair, str | AdapterError] = {}
    for chunk_result in batch_results:
        results.update(chunk_result)
    results.update(zip(handle_pairs, handle_results, strict=True))
    _raise_if_unauthenticated(results.values())
    for pair in pairs:
        result = results[pair]
        if isinstance(result, AdapterError):
            outcome.fail(pair.position, result.status, pair.raw_object_id)
        else:
            outcome.resolved.append(pair.resolved(result))
    return outcome.body("resolved_drs_object_access_urls")


async def _sign_batch(
    resolver: Resolver, token: str | None, chunk: list[_Pair]
) -> dict[_Pair, str | AdapterError]:
    requested: list[tuple[int, str]] = []
    for pair in chunk:
        assert isinstance(pair.access_id, EntityAccessId)
        requested.append((pair.access_id.file_handle, pair.access_id.target.synapse_id))
    try:
        items = await resolver.client.batch_urls(token, requested)
    except AdapterError as exc:
        return dict.fromkeys(chunk, exc)
    if len(items) != len(chunk):
        return dict.fromkeys(chunk, BadGateway("Synapse answered a batch with the wrong length"))
    return {
        pair: _batch_item(item, handle)
        for pair, item, (handle, _) in zip(chunk, items, requested, strict=True)
    }


def _batch_item(item: BatchItem, handle: int) -> str | AdapterError:
    if item.fileHandleId != str(handle):
        return BadGateway("Synapse answered a batch out of order")
    if item.failureCode is not None:
        failure = _FAILURES.get(item.failureCode, BadGateway)
        return failure(f"Synapse could not sign file handle {handle}: {item.failureCode}")
    if item.preSignedURL is None:
        return BadGateway("Synapse answered a batch item without a URL")
    return item.preSignedURL


async def _sign_handle(resolver: Resolver, token: str | None, pair: _Pair) -> str | AdapterError:
    try:
        return (await resolver.access_url(token, pair.access_id)).url
    except AdapterError as exc:
        return exc
