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
    """One batch call signs the URL and tells the handle's status (§5)."""
    case = drs.emulator.obj("private_file")
    assert (await drs.access(case["drs_id"], case["access_id"], user="alice")).status == 200
    assert await _calls(drs) == {"POST /file/v1/fileHandle/batch": 1}


async def test_an_archived_file_costs_one_call_and_no_url(drs: Drs) -> None:
    case = drs.emulator.obj("archived_file")
    assert (await drs.access(case["drs_id"], case["access_id"], user="alice")).status == 409
    assert await _calls(drs) == {"POST /file/v1/fileHandle/batch": 1}


async def test_a_refused_access_asks_synapse_again_for_its_words(drs: Drs) -> None:
    """A batch refusal is only a failure code: the single-URL route gives Synapse's reason."""
    case = drs.emulator.obj("readable_not_downloadable")
    assert (await drs.access(case["drs_id"], case["access_id"], user="bob")).status == 403
    assert await _calls(drs) == {"POST /file/v1/fileHandle/batch": 1, "GET /file/v1/file/{id}": 1}


async def test_raw_file_handle_access_url_costs_one_call_once_the_handle_is_read(
    drs: Drs,
) -> None:
    """Synapse signs whatever the handle's status: the service reads it (through the cache,
    where resolving the object left it) before handing the URL out."""
    case = drs.emulator.obj("raw_file_handle")
    assert (await drs.access(case["drs_id"], case["access_id"], user="alice")).status == 200
    assert await _calls(drs) == {
        "GET /file/v1/fileHandle/{id}/url": 1,
        "GET /file/v1/fileHandle/{id}": 1,
    }
    assert (await drs.object(case["drs_id"], user="alice")).status == 200  # cached: no call
    assert (await drs.access(case["drs_id"], case["access_id"], user="alice")).status == 200
    assert await _calls(drs) == {
        "GET /file/v1/fileHandle/{id}/url": 2,
        "GET /file/v1/fileHandle/{id}": 1,
    }
