"""The pure Synapse -> DRS translations: blobs, bundles, and bulk outcome grouping."""

from __future__ import annotations

import pytest

from adapter.bulk import Outcome
from adapter.caller import CallerIds
from adapter.ids import EntityVersion, FileHandleRef
from adapter.resolver import (
    EMPTY_MD5,
    UNKNOWN_CHECKSUM,
    UNKNOWN_SIZE,
    blob_from_entity,
    blob_from_handle,
    bundle_from_dataset,
)
from adapter.synapse.models import DATASET, FILE_ENTITY, Entity, FileHandle

HOST = "drs.example.org"


def _handle(**fields: object) -> FileHandle:
    base: dict[str, object] = {
        "id": "56789345",
        "fileName": "reads.bam",
        "createdOn": "2024-01-01T00:00:00.000Z",
        "contentMd5": "0123456789abcdef0123456789abcdef",
        "contentSize": 1234,
    }
    return FileHandle.model_validate(base | fields)


def _entity(**fields: object) -> Entity:
    base: dict[str, object] = {
        "name": "reads",
        "concreteType": FILE_ENTITY,
        "createdOn": "2024-01-02T00:00:00.000Z",
    }
    return Entity.model_validate(base | fields)


def test_a_file_entity_version_is_a_blob_with_its_access_id_and_version() -> None:
    entity = _entity(modifiedOn="2024-02-01T00:00:00.000Z", description="the reads")
    blob = blob_from_entity(
        entity, _handle(contentType="application/bam"), EntityVersion(123, 4), HOST
    )
    assert blob == {
        "id": "syn123.4",
        "name": "reads",
        "self_uri": "drs://drs.example.org/syn123.4",
        "size": 1234,
        "created_time": "2024-01-02T00:00:00.000Z",
        "updated_time": "2024-02-01T00:00:00.000Z",
        "version": "4",
        "mime_type": "application/bam",
        "checksums": [{"checksum": "0123456789abcdef0123456789abcdef", "type": "md5"}],
        "access_methods": [{"type": "https", "access_id": "FileEntity_syn123.4_56789345"}],
        "description": "the reads",
    }


def test_optional_fields_without_a_value_are_left_out_never_null() -> None:
    blob = blob_from_entity(_entity(), _handle(), EntityVersion(1, 1), HOST)
    assert set(blob) == {
        "id", "name", "self_uri", "size", "created_time", "version", "checksums", "access_methods"
    }  # fmt: skip


def test_a_raw_file_handle_is_a_blob_without_version_named_after_the_file() -> None:
    blob = blob_from_handle(_handle(modifiedOn="2024-03-01T00:00:00.000Z"), FileHandleRef(77), HOST)
    assert blob["id"] == "fh77"
    assert blob["name"] == "reads.bam"
    assert blob["access_methods"] == [{"type": "https", "access_id": "77"}]
    assert blob["updated_time"] == "2024-03-01T00:00:00.000Z"
    assert "version" not in blob
    assert "description" not in blob


def test_a_handle_without_md5_or_size_is_a_blob_saying_both_are_unknown() -> None:
    handle = _handle(contentMd5=None, contentSize=None)
    blob = blob_from_entity(_entity(), handle, EntityVersion(1, 1), HOST)
    assert blob["size"] == UNKNOWN_SIZE == -1
    assert blob["checksums"] == [{"checksum": UNKNOWN_CHECKSUM, "type": "md5"}]
    assert UNKNOWN_CHECKSUM == ""


@pytest.mark.parametrize(
    ("status", "available"), [("AVAILABLE", True), ("UNLINKED", True), ("ARCHIVED", False)]
)
def test_the_access_method_says_whether_the_bytes_are_available(
    status: str, available: bool
) -> None:
    blob = blob_from_handle(_handle(status=status), FileHandleRef(77), HOST)
    assert blob["access_methods"] == [{"type": "https", "access_id": "77", "available": available}]


def test_a_dataset_is_a_bundle_of_its_items_with_synapse_size_and_md5() -> None:
    dataset = _entity(
        concreteType=DATASET,
        items=[{"entityId": "syn7", "versionNumber": 2}, {"entityId": "syn8", "versionNumber": 1}],
        size=99,
        checksum="fedcba9876543210fedcba9876543210",
    )
    bundle = bundle_from_dataset(dataset, EntityVersion(999, 1), HOST)
    assert bundle["contents"] == [
        {"name": "syn7.2", "id": "syn7.2", "drs_uri": ["drs://drs.example.org/syn7.2"]},
        {"name": "syn8.1", "id": "syn8.1", "drs_uri": ["drs://drs.example.org/syn8.1"]},
    ]
    assert bundle["size"] == 99
    assert bundle["checksums"] == [{"checksum": "fedcba9876543210fedcba9876543210", "type": "md5"}]
    assert "access_methods" not in bundle


@pytest.mark.parametrize("items", [None, []])
def test_an_empty_dataset_is_an_empty_bundle_with_drs_totals_of_nothing(
    items: list[object] | None,
) -> None:
    """Synapse sends no size and no checksum: DRS's definitions give 0 and md5("")."""
    bundle = bundle_from_dataset(
        _entity(concreteType=DATASET, items=items), EntityVersion(9, 1), HOST
    )
    assert bundle["contents"] == []
    assert bundle["size"] == 0
    assert bundle["checksums"] == [{"checksum": EMPTY_MD5, "type": "md5"}]


def test_a_dataset_without_a_checksum_has_an_unknown_one_and_synapse_size() -> None:
    """Items without md5s: Synapse sends size 0 and no checksum; nothing is invented."""
    dataset = _entity(
        concreteType=DATASET, items=[{"entityId": "syn7", "versionNumber": 1}], size=0
    )
    bundle = bundle_from_dataset(dataset, EntityVersion(9, 1), HOST)
    assert bundle["size"] == 0
    assert bundle["checksums"] == [{"checksum": UNKNOWN_CHECKSUM, "type": "md5"}]
    no_size = bundle_from_dataset(
        _entity(concreteType=DATASET, items=[{"entityId": "syn7", "versionNumber": 1}]),
        EntityVersion(9, 1),
        HOST,
    )
    assert no_size["size"] == UNKNOWN_SIZE


def test_bulk_outcome_groups_failures_by_status_in_request_order_once_each() -> None:
    outcome = Outcome()
    outcome.resolved.append({"id": "syn1.1"})
    outcome.fail(3, 404, "syn4.1")
    outcome.fail(1, 403, "syn2.1")
    outcome.fail(2, 404, "syn3.1")
    outcome.fail(5, 404, "syn3.1")  # the same id twice is listed once
    outcome.fail(0, 400, "bad")
    body = outcome.body("resolved_drs_object")
    assert body["summary"] == {"requested": 5, "resolved": 1, "unresolved": 4}
    assert body["resolved_drs_object"] == [{"id": "syn1.1"}]
    assert body["unresolved_drs_objects"] == [
        {"error_code": 400, "object_ids": ["bad"]},
        {"error_code": 403, "object_ids": ["syn2.1"]},
        {"error_code": 404, "object_ids": ["syn3.1", "syn4.1"]},
    ]


def test_reprs_never_print_a_token() -> None:
    caller = CallerIds(b"salt").caller("s3cret-t0ken")
    assert "s3cret-t0ken" not in repr(caller)
    assert "s3cret-t0ken" not in str(caller)
