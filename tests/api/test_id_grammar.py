"""Object ids and access ids through the real service: docs/behaviour.md §2 and §3, every row."""

from __future__ import annotations

import pytest

from adapter.ids import (
    MSG_ACCESS_BAD_FH,
    MSG_ACCESS_EMPTY,
    MSG_ACCESS_NO_VERSION,
    MSG_ACCESS_OTHER_FH,
    MSG_ACCESS_OTHER_OBJECT,
    MSG_ACCESS_SHAPE,
    MSG_ACCESS_TYPE,
    MSG_BAD_FH,
    MSG_BAD_OBJECT,
    MSG_NO_VERSION,
)
from tests.drs_client import DRS, Drs


@pytest.mark.parametrize(
    ("object_id", "msg"),
    [
        ("syn123", MSG_NO_VERSION),
        ("syn12x.1", "Invalid Entity ID: syn12x.1"),
        ("syn", "Invalid Entity ID: syn"),
        ("syn1.", "Invalid Entity ID: syn1."),
        ("fh12a", MSG_BAD_FH),
        ("fh", MSG_BAD_FH),
        ("fh-5", MSG_BAD_FH),
        ("123", MSG_BAD_OBJECT),
        ("abc", MSG_BAD_OBJECT),
        (" ", MSG_BAD_OBJECT),
        ("syn1/2", "Invalid Entity ID: syn1/2"),
        ("syn\u200b1.1", "Invalid Entity ID: syn\u200b1.1"),
    ],
)
async def test_malformed_object_ids_are_400_with_synapse_messages(
    drs: Drs, object_id: str, msg: str
) -> None:
    answer = await drs.object(object_id, user="alice")
    assert answer.status == 400
    assert answer.body == {"msg": msg, "status_code": 400}
    assert (await drs.emulator.stats())["total_requests"] == 0


async def test_object_ids_are_percent_decoded_stripped_and_normalised(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    entity, version = case["drs_id"].removeprefix("syn").split(".")
    # `%20SYN00<entity>%2E0<version>%09` decodes to " SYN00<entity>.0<version>\t".
    path = f"{DRS}/objects/%20SYN00{entity}%2E0{version}%09"
    answer = await drs.request("GET", path, "/objects/{object_id}", user="alice")
    assert answer.status == 200
    assert answer.body["id"] == case["drs_id"]


async def test_overlong_object_id_is_400_before_any_upstream_call(drs: Drs) -> None:
    answer = await drs.object("syn1." + "9" * 400, user="alice")
    assert answer.status == 400
    assert "longer than 256" in answer.body["msg"]
    assert (await drs.emulator.stats())["total_requests"] == 0


@pytest.mark.parametrize(
    ("access_id", "msg"),
    [
        (" ", MSG_ACCESS_EMPTY),
        ("TableEntity_{obj}_{fh}", MSG_ACCESS_TYPE),
        ("fileentity_{obj}_{fh}", MSG_ACCESS_TYPE),
        ("FileEntity_{ent}_{fh}", MSG_ACCESS_NO_VERSION),
        ("FileEntity_synX.1_{fh}", "Invalid Entity ID: synX.1"),
        ("FileEntity_{obj}_12a", MSG_ACCESS_BAD_FH),
        ("FileEntity_{obj}", MSG_ACCESS_SHAPE),
        ("FileEntity_{obj}_{fh}_9", MSG_ACCESS_SHAPE),
        ("FileEntity_syn1.1_{fh}", MSG_ACCESS_OTHER_OBJECT),
        ("FileEntity_{ent}.999_{fh}", MSG_ACCESS_OTHER_OBJECT),
        # Synapse's own endpoint answers 500 here; we answer 400.
        ("{fh}", MSG_ACCESS_OTHER_OBJECT),
        ("abc", MSG_ACCESS_BAD_FH),
    ],
)
async def test_malformed_entity_access_ids_are_400(drs: Drs, access_id: str, msg: str) -> None:
    case = drs.emulator.obj("private_file")
    obj = case["drs_id"]
    filled = access_id.format(obj=obj, ent=obj.split(".")[0], fh=case["access_id"].split("_")[-1])
    answer = await drs.access(obj, filled, user="alice")
    assert answer.status == 400
    assert answer.body == {"msg": msg, "status_code": 400}
    assert (await drs.emulator.stats())["total_requests"] == 0


async def test_empty_access_id_segment_is_a_json_404(drs: Drs) -> None:
    """`/access/` with nothing after it names no route: a DRS Error, not HTML."""
    answer = await drs.request("GET", f"{DRS}/objects/syn1.1/access/", None, user="alice")
    assert answer.status == 404
    assert answer.body["status_code"] == 404


@pytest.mark.parametrize(
    ("access_id", "msg"),
    [("{other}", MSG_ACCESS_OTHER_FH), ("FileEntity_syn1.1_{fh}", MSG_ACCESS_OTHER_OBJECT)],
)
async def test_file_handle_access_id_must_match_the_handle(
    drs: Drs, access_id: str, msg: str
) -> None:
    case = drs.emulator.obj("raw_file_handle")
    handle = int(case["access_id"])
    filled = access_id.format(other=handle + 1, fh=handle)
    answer = await drs.access(case["drs_id"], filled, user="alice")
    assert answer.status == 400
    assert answer.body == {"msg": msg, "status_code": 400}
