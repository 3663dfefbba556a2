"""Bulk at its limit: 1,000 ids, batched signing and Synapse's per-user concurrency (issue 4)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient

from adapter.app import create_app
from adapter.settings import Settings
from tests.conftest import EmulatorFactory
from tests.drs_client import Drs, download, md5_of

BATCH = "POST /file/v1/fileHandle/batch"
BUNDLE = "POST /repo/v1/entity/{id}/version/{version}/bundle2"


async def _stack(
    emulator_factory: EmulatorFactory,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    files: int,
    **config: Any,
) -> Drs:
    emulator = await emulator_factory(files=files, **config)
    client = await aiohttp_client(create_app(Settings(synapse_url=emulator.url)))
    return Drs(client, emulator)


def _generated(drs: Drs) -> list[dict[str, Any]]:
    return [o for o in drs.emulator.manifest["objects"] if o["case"] == "generated_file"]


async def test_thousand_access_ids_cost_ten_batch_calls(
    emulator_factory: EmulatorFactory,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> None:
    drs = await _stack(emulator_factory, aiohttp_client, 1000)
    files = _generated(drs)
    assert len(files) == 1000
    answer = await drs.bulk_access([(f["drs_id"], [f["access_id"]]) for f in files], user="alice")
    assert answer.status == 200
    assert answer.body["summary"] == {"requested": 1000, "resolved": 1000, "unresolved": 0}
    resolved = answer.body["resolved_drs_object_access_urls"]
    assert [r["drs_object_id"] for r in resolved] == [f["drs_id"] for f in files]
    stats = await drs.emulator.stats()
    assert stats["by_route"][BATCH] == 10
    assert stats["total_requests"] == 10
    # The URLs are real: spot-check the first, a middle and the last download.
    for index in (0, 499, 999):
        data = await download(resolved[index]["url"])
        assert md5_of(data) == files[index]["md5"]


async def test_thousand_objects_stay_within_synapse_concurrency(
    emulator_factory: EmulatorFactory,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> None:
    """Synapse's concurrency throttle is on (3 per user): the bulk never trips it.

    Synapse's other limit, 600 requests per user per minute, is raised here: 1,000 bundle
    reads in a few seconds exceed it whatever the concurrency (see the README's bulk notes).
    """
    drs = await _stack(emulator_factory, aiohttp_client, 1000, max_requests=100_000)
    files = _generated(drs)
    await drs.emulator.faults(latency_ms=2)  # calls overlap, as they would against Synapse
    answer = await drs.bulk_objects([f["drs_id"] for f in files], user="alice")
    assert answer.status == 200
    assert answer.body["summary"] == {"requested": 1000, "resolved": 1000, "unresolved": 0}
    got = {o["id"]: o["checksums"][0]["checksum"] for o in answer.body["resolved_drs_object"]}
    assert got == {f["drs_id"]: f["md5"] for f in files}
    stats = await drs.emulator.stats()
    assert stats["by_route"][BUNDLE] == 1000
    assert stats["throttled"] == 0
    assert stats["max_concurrent_per_user"]["alice"] == 3


async def test_one_id_over_the_limit_is_413_with_no_upstream_call(
    emulator_factory: EmulatorFactory,
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
) -> None:
    drs = await _stack(emulator_factory, aiohttp_client, 1000)
    files = _generated(drs)
    ids = [f["drs_id"] for f in files] + [drs.emulator.obj("private_file")["drs_id"]]
    answer = await drs.bulk_objects(ids, user="alice")
    assert answer.status == 413
    assert answer.body["status_code"] == 413
    pairs = [(f["drs_id"], [f["access_id"]]) for f in files] + [("syn1.1", ["x"])]
    access = await drs.bulk_access(pairs, user="alice")
    assert access.status == 413
    assert (await drs.emulator.stats())["total_requests"] == 0
