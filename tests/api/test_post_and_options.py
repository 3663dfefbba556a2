"""POST and OPTIONS on single objects, bodies, and CORS preflights (docs/behaviour.md §1, §6)."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.bodies import MSG_PASSPORTS
from adapter.resolver import MSG_NESTED_BUNDLE
from tests.drs_client import DRS, Drs, DrsFactory, download, md5_of

OBJ = "/objects/{object_id}"
ACCESS = "/objects/{object_id}/access/{access_id}"


async def test_post_object_without_passports_is_the_get(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    path = f"{DRS}/objects/{case['drs_id']}"
    posted = await drs.request("POST", path, OBJ, user="alice", json_body={})
    got = await drs.object(case["drs_id"], user="alice")
    assert posted.status == 200
    assert posted.body == got.body
    empty = await drs.request("POST", path, OBJ, user="alice")
    assert empty.status == 200


async def test_post_object_expand_on_a_dataset_is_400(drs: Drs) -> None:
    path = f"{DRS}/objects/{drs.emulator.obj('dataset')['drs_id']}"
    answer = await drs.request("POST", path, OBJ, user="alice", json_body={"expand": True})
    assert answer.status == 400
    assert answer.body["msg"] == MSG_NESTED_BUNDLE
    plain = await drs.request("POST", path, OBJ, user="alice", json_body={"expand": False})
    assert plain.status == 200


@pytest.mark.parametrize("pattern", [OBJ, ACCESS])
async def test_passports_are_refused_with_advice(drs: Drs, pattern: str) -> None:
    case = drs.emulator.obj("private_file")
    path = f"{DRS}/objects/{case['drs_id']}"
    if pattern == ACCESS:
        path += f"/access/{case['access_id']}"
    answer = await drs.request("POST", path, pattern, json_body={"passports": ["eyJ.a.b"]})
    assert answer.status == 400
    assert answer.body == {"msg": MSG_PASSPORTS, "status_code": 400}
    assert (await drs.emulator.stats())["total_requests"] == 0


async def test_post_access_url_downloads(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    path = f"{DRS}/objects/{case['drs_id']}/access/{case['access_id']}"
    answer = await drs.request("POST", path, ACCESS, user="alice", json_body={})
    assert answer.status == 200
    assert md5_of(await download(answer.body["url"])) == case["md5"]


BAD_BODIES: list[tuple[bytes, str, int, str]] = [
    (b"{not json", "application/json", 400, "The request body is not valid JSON"),
    (b"[1, 2]", "application/json", 400, "The request body must be a JSON object"),
    (b'{"expand": "yes"}', "application/json", 400, "Invalid field expand: "),
    (b'{"passports": "x"}', "application/json", 400, "Invalid field passports: "),
    (b"expand=true", "application/x-www-form-urlencoded", 415, "must be JSON"),
]


@pytest.mark.parametrize(("body", "content_type", "status", "msg"), BAD_BODIES)
async def test_bad_bodies_are_4xx_naming_the_problem(
    drs: Drs, body: bytes, content_type: str, status: int, msg: str
) -> None:
    path = f"{DRS}/objects/{drs.emulator.obj('private_file')['drs_id']}"
    answer = await drs.request(
        "POST", path, OBJ, user="alice", body=body, headers={"Content-Type": content_type}
    )
    assert answer.status == status
    assert msg in answer.body["msg"]


async def test_oversized_body_is_413(drs_factory: DrsFactory) -> None:
    drs = await drs_factory(max_body_bytes=2048)
    answer = await drs.bulk_objects(["syn1.1"] * 500, user="alice")
    assert answer.status == 413
    assert answer.body["status_code"] == 413


async def test_options_object_answers_authorizations(drs: Drs) -> None:
    answer = await drs.request("OPTIONS", f"{DRS}/objects/SYN01.1", OBJ)
    assert answer.status == 200
    assert answer.body == {
        "drs_object_id": "syn1.1",
        "supported_types": ["BearerAuth"],
        "bearer_auth_issuers": [f"{drs.emulator.url}/auth/v1"],
    }
    assert (await drs.emulator.stats())["total_requests"] == 0


async def test_options_with_a_malformed_id_is_400(drs: Drs) -> None:
    answer = await drs.request("OPTIONS", f"{DRS}/objects/syn1", OBJ)
    assert answer.status == 400


async def test_bulk_options_answers_each_id(drs: Drs) -> None:
    answer = await drs.request(
        "OPTIONS",
        f"{DRS}/objects",
        "/objects",
        json_body={"bulk_object_ids": ["syn1.1", "fh7", "bad", "syn1.1"]},
    )
    assert answer.status == 200
    assert answer.body["summary"] == {"requested": 3, "resolved": 2, "unresolved": 1}
    assert [a["drs_object_id"] for a in answer.body["resolved_drs_object"]] == ["syn1.1", "fh7"]
    assert answer.body["unresolved_drs_objects"] == [{"error_code": 400, "object_ids": ["bad"]}]


PREFLIGHT = {"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"}


async def test_cors_preflight_is_not_drs_options_and_cors_is_off_by_default(drs: Drs) -> None:
    answer = await drs.request("OPTIONS", f"{DRS}/objects/syn1.1", None, headers=PREFLIGHT)
    assert answer.status == 204
    assert "Access-Control-Allow-Origin" not in answer.headers


async def test_cors_preflight_for_an_allowed_origin(drs_factory: DrsFactory) -> None:
    drs = await drs_factory(cors_allow_origins=["https://app.example.org"])
    answer = await drs.request("OPTIONS", f"{DRS}/objects/syn1.1", None, headers=PREFLIGHT)
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in answer.headers["Access-Control-Allow-Headers"]
    real = await drs.request(
        "GET", f"{DRS}/service-info", "/service-info", headers={"Origin": "https://app.example.org"}
    )
    assert real.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    other = await drs.request(
        "GET", f"{DRS}/service-info", "/service-info", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def _ids(answer: Any) -> list[str]:
    return [o["id"] for o in answer.body["resolved_drs_object"]]


async def test_error_answers_carry_cors_headers_and_the_request_id(
    drs_factory: DrsFactory,
) -> None:
    """A browser reads an error's body only with CORS headers on it: they go on every answer."""
    drs = await drs_factory(cors_allow_origins=["https://app.example.org"])
    headers = {"Origin": "https://app.example.org", "X-Request-ID": "trace-42"}
    malformed = await drs.request("GET", f"{DRS}/objects/not-an-id", OBJ, headers=headers)
    missing_route = await drs.request("GET", "/no/such/path", None, headers=headers)
    for answer, status in ((malformed, 400), (missing_route, 404)):
        assert answer.status == status
        assert answer.body["status_code"] == status
        assert answer.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
        assert answer.headers["X-Request-ID"] == "trace-42"
