"""ETag, Cache-Control and If-None-Match on DrsObjects (every id is immutable): a 304 only
once the caller's access to the object is established, exactly as for a 200."""

from __future__ import annotations

import re
from typing import Any

from adapter import DRS_BASE
from tests.drs_client import Drs, DrsFactory

BUNDLE = "POST /repo/v1/entity/{id}/version/{version}/bundle2"


async def _get(drs: Drs, object_id: str, user: str | None, **headers: str) -> Any:
    url = drs.client.make_url(f"{DRS_BASE}/objects/{object_id}")
    sent = {**drs.auth(user), **headers}
    async with drs.client.session.get(url, headers=sent) as response:
        return response.status, response.headers, await response.read()


async def _bundle_calls(drs: Drs) -> int:
    calls: int = (await drs.emulator.stats())["by_route"].get(BUNDLE, 0)
    return calls


async def test_a_drs_object_has_a_strong_etag_and_private_cache_control(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    answer = await drs.object(case["drs_id"], user="alice")
    assert answer.status == 200
    etag = answer.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: no W/
    assert answer.headers["Cache-Control"] == "private, max-age=60"
    again = await drs.object(case["drs_id"], user="alice")
    assert again.headers["ETag"] == etag
    assert again.raw == answer.raw


async def test_if_none_match_is_answered_304_without_a_body(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    etag = (await drs.object(case["drs_id"], user="alice")).headers["ETag"]
    for header in (etag, f'"other", W/{etag}', "*"):
        status, headers, body = await _get(
            drs, case["drs_id"], "alice", **{"If-None-Match": header}
        )
        assert status == 304, header
        assert body == b""
        assert headers["ETag"] == etag
        assert headers["Cache-Control"] == "private, max-age=60"
    status, _headers, body = await _get(drs, case["drs_id"], "alice", **{"If-None-Match": '"x"'})
    assert status == 200
    assert body


async def test_a_304_is_never_a_way_round_authorisation(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    etag = (await drs.object(case["drs_id"], user="alice")).headers["ETag"]
    # Anonymous may not read it; bob may read but not download it (no metadata credential
    # here): both are refused, whatever tag they send.
    for user in (None, "bob"):
        status, _headers, body = await _get(drs, case["drs_id"], user, **{"If-None-Match": etag})
        assert status == 403, body
    status, _headers, _body = await _get(drs, "syn999999999.1", "alice", **{"If-None-Match": "*"})
    assert status == 404  # nothing to match: the object does not exist


async def test_every_304_asks_synapse_when_nothing_is_cached(drs_factory: DrsFactory) -> None:
    drs = await drs_factory(cache_ttl_s=0)
    case = drs.emulator.obj("public_file")
    etag = (await drs.object(case["drs_id"], user="alice")).headers["ETag"]
    assert await _bundle_calls(drs) == 1
    status, _headers, _body = await _get(drs, case["drs_id"], "alice", **{"If-None-Match": etag})
    assert status == 304
    assert await _bundle_calls(drs) == 2  # access established again with Synapse, then 304
    await drs.emulator.revoke("alice")
    status, _headers, _body = await _get(drs, case["drs_id"], "alice", **{"If-None-Match": etag})
    assert status == 401  # a revoked token gets no 304
