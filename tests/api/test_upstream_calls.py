"""One upstream call per DRS operation, counted by the emulator (docs/behaviour.md §1)."""

from __future__ import annotations

from tests.drs_client import Drs


async def _calls(drs: Drs) -> dict[str, int]:
    stats = await drs.emulator.stats()
    assert stats["total_requests"] == sum(stats["by_route"].values())
    by_route: dict[str, int] = stats["by_route"]
    return {route: n for route, n in by_route.items() if n}


async def test_blob_costs_one_bundle_call(drs: Drs) -> None:
    assert (
        await drs.object(drs.emulator.obj("private_file")["drs_id"], user="alice")
    ).status == 200
    assert await _calls(drs) == {"POST /repo/v1/entity/{id}/version/{version}/bundle2": 1}


async def test_bundle_costs_one_call_whatever_its_size(drs: Drs) -> None:
    assert (await drs.object(drs.emulator.obj("dataset")["drs_id"], user="alice")).status == 200
    assert await _calls(drs) == {"POST /repo/v1/entity/{id}/version/{version}/bundle2": 1}


async def test_raw_file_handle_costs_one_call(drs: Drs) -> None:
    case = drs.emulator.obj("raw_file_handle")
    assert (await drs.object(case["drs_id"], user="alice")).status == 200
    assert await _calls(drs) == {"GET /file/v1/fileHandle/{id}": 1}


async def test_entity_access_url_costs_one_call(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    assert (await drs.access(case["drs_id"], case["access_id"], user="alice")).status == 200
    assert await _calls(drs) == {"GET /file/v1/file/{id}": 1}


async def test_raw_file_handle_access_url_costs_one_call(drs: Drs) -> None:
    case = drs.emulator.obj("raw_file_handle")
    assert (await drs.access(case["drs_id"], case["access_id"], user="alice")).status == 200
    assert await _calls(drs) == {"GET /file/v1/fileHandle/{id}/url": 1}
