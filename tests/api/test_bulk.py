"""Bulk objects and access URLs: partition, limits, batching, concurrency (docs/behaviour.md §9)."""

from __future__ import annotations

from tests.drs_client import DRS, Drs, DrsFactory, download, md5_of

BATCH = "POST /file/v1/fileHandle/batch"


async def test_mixed_bulk_objects_are_partitioned(drs: Drs) -> None:
    m = drs.emulator
    private, public = m.obj("private_file"), m.obj("public_file")
    dataset, raw = m.obj("dataset"), m.obj("raw_file_handle")
    ids = [
        private["drs_id"],
        "syn999999999.1",  # 404
        dataset["drs_id"],
        m.obj("readable_not_downloadable")["drs_id"],  # alice, the owner, may download it
        "syn123",  # malformed
        private["drs_id"].upper(),  # a duplicate, in another case
        public["drs_id"],
        m.obj("trashed_file")["drs_id"],  # 404
        m.obj("project")["drs_id"],  # 400 unsupported
        raw["drs_id"],
        "nonsense",
    ]
    answer = await drs.bulk_objects(ids, user="alice")
    assert answer.status == 200
    body = answer.body
    resolved = [o["id"] for o in body["resolved_drs_object"]]
    assert resolved == [
        private["drs_id"],
        dataset["drs_id"],
        m.obj("readable_not_downloadable")["drs_id"],
        public["drs_id"],
        raw["drs_id"],
    ]
    groups = {g["error_code"]: g["object_ids"] for g in body["unresolved_drs_objects"]}
    assert groups == {
        400: ["syn123", m.obj("project")["drs_id"], "nonsense"],
        404: ["syn999999999.1", m.obj("trashed_file")["drs_id"]],
    }
    assert body["summary"] == {"requested": 10, "resolved": 5, "unresolved": 5}
    # Duplicates resolved once: one bundle call per distinct entity, one handle call.
    stats = await drs.emulator.stats()
    assert stats["by_route"]["POST /repo/v1/entity/{id}/version/{version}/bundle2"] == 7
    assert stats["by_route"]["GET /file/v1/fileHandle/{id}"] == 1


async def test_bulk_objects_for_a_reader_without_download(drs: Drs) -> None:
    m = drs.emulator
    ids = [m.obj("readable_not_downloadable")["drs_id"], m.obj("private_file")["drs_id"]]
    answer = await drs.bulk_objects(ids, user="bob")
    groups = {g["error_code"]: g["object_ids"] for g in answer.body["unresolved_drs_objects"]}
    assert groups == {403: ids}


async def test_bulk_with_an_invalid_token_is_401(drs: Drs) -> None:
    token = drs.emulator.manifest["invalid_token"]
    answer = await drs.bulk_objects(
        [drs.emulator.obj("public_file")["drs_id"]],
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


async def test_bulk_access_partitions_and_signs(drs: Drs) -> None:
    m = drs.emulator
    private, public, v2 = m.obj("private_file"), m.obj("public_file"), m.obj("multi_version_v2")
    raw, unmet = m.obj("raw_file_handle"), m.obj("unmet_access_requirement")
    pairs = [
        (private["drs_id"], [private["access_id"]]),
        (public["drs_id"], [public["access_id"], public["access_id"]]),  # duplicate
        (v2["drs_id"], [v2["access_id"]]),
        (raw["drs_id"], [raw["access_id"]]),
        ("syn1", ["FileEntity_syn1.1_1"]),  # malformed object id
        (private["drs_id"], ["FileEntity_syn1.1_1"]),  # access id of another object
        ("syn999999999.1", ["FileEntity_syn999999999.1_5"]),  # missing: Synapse says UNAUTHORIZED
        (unmet["drs_id"], [unmet["access_id"]]),
    ]
    answer = await drs.bulk_access(pairs, user="alice")
    assert answer.status == 200
    body = answer.body
    resolved = body["resolved_drs_object_access_urls"]
    assert [(r["drs_object_id"], r["drs_access_id"]) for r in resolved] == [
        (private["drs_id"], private["access_id"]),
        (public["drs_id"], public["access_id"]),
        (v2["drs_id"], v2["access_id"]),
        (raw["drs_id"], raw["access_id"]),
        (unmet["drs_id"], unmet["access_id"]),
    ]
    for item, case in zip(resolved, [private, public, v2, raw, unmet], strict=True):
        assert md5_of(await download(item["url"])) == case["md5"]
    groups = {g["error_code"]: g["object_ids"] for g in body["unresolved_drs_objects"]}
    assert groups == {400: ["syn1", private["drs_id"]], 403: ["syn999999999.1"]}
    stats = await drs.emulator.stats()
    assert stats["by_route"][BATCH] == 1
    assert stats["by_route"]["GET /file/v1/fileHandle/{id}/url"] == 1


async def test_bulk_access_failures_map_to_403(drs: Drs) -> None:
    m = drs.emulator
    rnd, unmet = m.obj("readable_not_downloadable"), m.obj("unmet_access_requirement")
    answer = await drs.bulk_access(
        [(rnd["drs_id"], [rnd["access_id"]]), (unmet["drs_id"], [unmet["access_id"]])], user="bob"
    )
    groups = {g["error_code"]: g["object_ids"] for g in answer.body["unresolved_drs_objects"]}
    assert groups == {403: [rnd["drs_id"], unmet["drs_id"]]}


async def test_bulk_access_with_a_view_only_token_is_403_per_item(drs: Drs) -> None:
    case = drs.emulator.obj("private_file")
    answer = await drs.bulk_access([(case["drs_id"], [case["access_id"]])], user="carol")
    assert answer.status == 200
    assert answer.body["unresolved_drs_objects"] == [
        {"error_code": 403, "object_ids": [case["drs_id"]]}
    ]


async def test_bulk_limits_count_every_id(drs_factory: DrsFactory) -> None:
    drs = await drs_factory(max_bulk_request_length=4)
    over = await drs.bulk_objects([f"syn{i}.1" for i in range(5)], user="alice")
    assert over.status == 413
    case = drs.emulator.obj("private_file")
    access_over = await drs.bulk_access(
        [(case["drs_id"], [case["access_id"]] * 3), ("syn1.1", ["a", "b"])], user="alice"
    )
    assert access_over.status == 413
    assert (await drs.emulator.stats())["total_requests"] == 0
    at_limit = await drs.bulk_objects([f"syn{i}.1" for i in range(4)], user="alice")
    assert at_limit.status == 200


async def test_bulk_bodies_with_wrong_types_name_the_field(drs: Drs) -> None:
    answer = await drs.bulk_objects(["syn1.1", 5], user="alice")
    assert answer.status == 400
    assert answer.body["msg"].startswith("Invalid field bulk_object_ids[1]")
    missing = await drs.request("POST", f"{DRS}/objects", "/objects", json_body={})
    assert missing.status == 400
    assert "bulk_object_ids" in missing.body["msg"]


async def test_bulk_passports_are_refused(drs: Drs) -> None:
    answer = await drs.request(
        "POST",
        f"{DRS}/objects",
        "/objects",
        json_body={"bulk_object_ids": ["syn1.1"], "passports": ["x"]},
    )
    assert answer.status == 400
