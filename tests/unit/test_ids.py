"""The DRS object-id and access-id grammar: every row of docs/behaviour.md §2 and §3."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapter.errors import BadRequest
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
    EntityAccessId,
    EntityVersion,
    FileHandleRef,
    HandleAccessId,
    access_id_for,
    parse_access_id,
    parse_object_id,
)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("syn123.4", "syn123.4"),
        ("SYN123.4", "syn123.4"),
        ("  syn0123.04\t", "syn123.4"),
        ("Syn9223372036854775807.1", "syn9223372036854775807.1"),
        ("fh56789345", "fh56789345"),
        ("FH007", "fh7"),
    ],
)
def test_valid_object_ids_are_normalised(raw: str, normalised: str) -> None:
    assert str(parse_object_id(raw)) == normalised


@pytest.mark.parametrize(
    ("raw", "msg"),
    [
        ("syn123", MSG_NO_VERSION),
        (" syn123 ", MSG_NO_VERSION),
        ("syn12x.1", "Invalid Entity ID: syn12x.1"),
        ("syn", "Invalid Entity ID: syn"),
        ("syn1.", "Invalid Entity ID: syn1."),
        (" syn1. ", "Invalid Entity ID: syn1."),
        ("syn9223372036854775808.1", "Invalid Entity ID: syn9223372036854775808.1"),
        ("syn1.2.3", "Invalid Entity ID: syn1.2.3"),
        ("fh12a", MSG_BAD_FH),
        ("fh", MSG_BAD_FH),
        ("fh-5", MSG_BAD_FH),
        ("fh99999999999999999999", MSG_BAD_FH),
        ("123", MSG_BAD_OBJECT),
        ("abc", MSG_BAD_OBJECT),
        ("", MSG_BAD_OBJECT),
        ("s", MSG_BAD_OBJECT),
    ],
)
def test_invalid_object_ids_get_synapse_messages(raw: str, msg: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_object_id(raw)
    assert caught.value.msg == msg
    assert caught.value.status == 400


def test_overlong_object_id_is_refused_before_parsing() -> None:
    with pytest.raises(BadRequest, match="longer than 256"):
        parse_object_id("syn1." + "1" * 300)


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("FileEntity_syn123.1_56789345", EntityAccessId(EntityVersion(123, 1), 56789345)),
        ("FileEntity_SYN0123.01_056789345", EntityAccessId(EntityVersion(123, 1), 56789345)),
        ("56789345", HandleAccessId(56789345)),
    ],
)
def test_valid_access_ids(raw: str, parsed: object) -> None:
    assert parse_access_id(raw) == parsed


@pytest.mark.parametrize(
    ("raw", "msg"),
    [
        ("", MSG_ACCESS_EMPTY),
        ("   ", MSG_ACCESS_EMPTY),
        ("fileentity_syn1.1_2", MSG_ACCESS_TYPE),
        ("TableEntity_syn1.1_2", MSG_ACCESS_TYPE),
        ("FileEntity_syn1_2", MSG_ACCESS_NO_VERSION),
        ("FileEntity_synX.1_2", "Invalid Entity ID: synX.1"),
        ("FileEntity_syn1.1_abc", MSG_ACCESS_BAD_FH),
        ("FileEntity_syn1.1_", MSG_ACCESS_BAD_FH),
        ("abc", MSG_ACCESS_BAD_FH),
        ("-5", MSG_ACCESS_BAD_FH),
        ("FileEntity_syn1.1", MSG_ACCESS_SHAPE),
        ("a_b_c_d", MSG_ACCESS_SHAPE),
    ],
)
def test_invalid_access_ids_get_synapse_messages(raw: str, msg: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_access_id(raw)
    assert caught.value.msg == msg


@pytest.mark.parametrize(
    ("object_id", "access_id", "msg"),
    [
        (EntityVersion(1, 1), "FileEntity_syn2.1_5", MSG_ACCESS_OTHER_OBJECT),
        (EntityVersion(1, 1), "FileEntity_syn1.2_5", MSG_ACCESS_OTHER_OBJECT),
        # Synapse's own endpoint crashes with a 500 here.
        (EntityVersion(1, 1), "5", MSG_ACCESS_OTHER_OBJECT),
        (FileHandleRef(5), "6", MSG_ACCESS_OTHER_FH),
        (FileHandleRef(5), "FileEntity_syn1.1_5", MSG_ACCESS_OTHER_OBJECT),
    ],
)
def test_access_id_must_name_its_object(
    object_id: EntityVersion | FileHandleRef, access_id: str, msg: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        access_id_for(object_id, access_id)
    assert caught.value.msg == msg


def test_matching_access_ids_are_accepted() -> None:
    assert access_id_for(EntityVersion(1, 2), "FileEntity_syn1.2_9") == EntityAccessId(
        EntityVersion(1, 2), 9
    )
    assert access_id_for(FileHandleRef(9), "09") == HandleAccessId(9)


@given(st.text(max_size=400))
def test_any_object_id_parses_or_is_a_400(raw: str) -> None:
    """Arbitrary text never raises anything but BadRequest, and valid ids round-trip."""
    try:
        parsed = parse_object_id(raw)
    except BadRequest as exc:
        error: BadRequest | None = exc
    else:
        error = None
        assert parse_object_id(str(parsed)) == parsed
    assert error is None or (error.status == 400 and error.msg)


@given(st.text(max_size=400))
def test_any_access_id_parses_or_is_a_400(raw: str) -> None:
    try:
        parsed = parse_access_id(raw)
    except BadRequest as exc:
        error: BadRequest | None = exc
    else:
        error = None
        assert parse_access_id(str(parsed)) == parsed
    assert error is None or (error.status == 400 and error.msg)


@given(st.integers(0, 2**63 - 1), st.integers(0, 2**63 - 1), st.integers(0, 2**63 - 1))
def test_entity_access_ids_round_trip(entity: int, version: int, handle: int) -> None:
    access = EntityAccessId(EntityVersion(entity, version), handle)
    assert access_id_for(EntityVersion(entity, version), str(access)) == access
