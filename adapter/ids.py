"""The DRS object-id and access-id grammar (docs/behaviour.md §2 and §3), as pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapter.errors import BadRequest

# Synapse ids are Java longs; a 19-digit number can still overflow one.
_LONG_MAX = 2**63 - 1

_ENTITY_VERSION = re.compile(r"(?i)syn([0-9]{1,19})\.([0-9]{1,19})")
_ENTITY_NO_VERSION = re.compile(r"(?i)syn[0-9]{1,19}")
_FILE_HANDLE = re.compile(r"(?i)fh([0-9]{1,19})")
_DIGITS = re.compile(r"[0-9]{1,19}")

# Synapse's own words (its DRS endpoint's messages), so clients see the same text.
MSG_NO_VERSION = "Entity ID must include version. e.g syn123.1"
MSG_BAD_FH = 'File Handle ID must contain prefix "fh" followed by a Long'
MSG_BAD_OBJECT = (
    "Object Id must be entity ID with version (e.g syn32132536.1), "
    'or the file handle ID prepended with the string "fh" (e.g. fh123)'
)
MSG_ACCESS_EMPTY = "AccessId must not be null or empty."
MSG_ACCESS_TYPE = "AccessId must contain a valid file handle association type."
MSG_ACCESS_NO_VERSION = "Synapse id should include version. e.g syn123.1"
MSG_ACCESS_BAD_FH = "AccessId must contain valid file handle id."
MSG_ACCESS_SHAPE = "Invalid accessId"
MSG_ACCESS_OTHER_OBJECT = "AccessId contains different drsObject Id."
MSG_ACCESS_OTHER_FH = "AccessId and ObjectId contain different file handle IDs."

ASSOCIATION_TYPE = "FileEntity"


@dataclass(frozen=True, slots=True)
class EntityVersion:
    """A Synapse entity at a version: `syn<entity>.<version>`."""

    entity: int
    version: int

    @property
    def synapse_id(self) -> str:
        return f"syn{self.entity}"

    def __str__(self) -> str:
        return f"syn{self.entity}.{self.version}"


@dataclass(frozen=True, slots=True)
class FileHandleRef:
    """A raw Synapse file handle: `fh<id>`."""

    handle: int

    def __str__(self) -> str:
        return f"fh{self.handle}"


ObjectId = EntityVersion | FileHandleRef


@dataclass(frozen=True, slots=True)
class EntityAccessId:
    """`FileEntity_syn<entity>.<version>_<file handle>`."""

    target: EntityVersion
    file_handle: int

    def __str__(self) -> str:
        return f"{ASSOCIATION_TYPE}_{self.target}_{self.file_handle}"


@dataclass(frozen=True, slots=True)
class HandleAccessId:
    """The bare file handle number, for `fh` objects."""

    file_handle: int

    def __str__(self) -> str:
        return str(self.file_handle)


AccessId = EntityAccessId | HandleAccessId


def _long(digits: str) -> int | None:
    value = int(digits)
    return value if value <= _LONG_MAX else None


def _check_length(raw: str, what: str, max_length: int) -> None:
    if len(raw) > max_length:
        raise BadRequest(f"{what} is longer than {max_length} characters")


def _entity_version(text: str) -> EntityVersion | None:
    match = _ENTITY_VERSION.fullmatch(text)
    if match is None:
        return None
    entity, version = _long(match[1]), _long(match[2])
    if entity is None or version is None:
        return None
    return EntityVersion(entity, version)


def parse_object_id(raw: str, max_length: int = 256) -> ObjectId:
    """Parse a DRS object id, or raise `BadRequest` with Synapse's message."""
    _check_length(raw, "Object Id", max_length)
    text = raw.strip()
    prefix = text[:3].lower()
    if prefix == "syn":
        parsed = _entity_version(text)
        if parsed is not None:
            return parsed
        if _ENTITY_NO_VERSION.fullmatch(text):
            raise BadRequest(MSG_NO_VERSION)
        raise BadRequest(f"Invalid Entity ID: {text}")
    if prefix[:2] == "fh":
        match = _FILE_HANDLE.fullmatch(text)
        handle = _long(match[1]) if match else None
        if handle is None:
            raise BadRequest(MSG_BAD_FH)
        return FileHandleRef(handle)
    raise BadRequest(MSG_BAD_OBJECT)


def parse_access_id(raw: str, max_length: int = 256) -> AccessId:
    """Parse an access id on its own, or raise `BadRequest` with Synapse's message."""
    _check_length(raw, "AccessId", max_length)
    text = raw.strip()
    if not text:
        raise BadRequest(MSG_ACCESS_EMPTY)
    parts = text.split("_")
    if len(parts) == 1:
        return HandleAccessId(_handle_part(parts[0]))
    if len(parts) != 3:
        raise BadRequest(MSG_ACCESS_SHAPE)
    kind, entity_part, handle_part = parts
    if kind != ASSOCIATION_TYPE:
        raise BadRequest(MSG_ACCESS_TYPE)
    target = _entity_version(entity_part)
    if target is None:
        if _ENTITY_NO_VERSION.fullmatch(entity_part):
            raise BadRequest(MSG_ACCESS_NO_VERSION)
        raise BadRequest(f"Invalid Entity ID: {entity_part}")
    return EntityAccessId(target, _handle_part(handle_part))


def _handle_part(text: str) -> int:
    handle = _long(text) if _DIGITS.fullmatch(text) else None
    if handle is None:
        raise BadRequest(MSG_ACCESS_BAD_FH)
    return handle


def access_id_for(object_id: ObjectId, raw_access_id: str, max_length: int = 256) -> AccessId:
    """Parse an access id and check that it names `object_id` (docs/behaviour.md §3)."""
    access = parse_access_id(raw_access_id, max_length)
    if isinstance(object_id, EntityVersion):
        # Synapse's endpoint crashes with a 500 on a bare handle id for an entity: we answer 400.
        if not isinstance(access, EntityAccessId) or access.target != object_id:
            raise BadRequest(MSG_ACCESS_OTHER_OBJECT)
        return access
    if not isinstance(access, HandleAccessId):
        raise BadRequest(MSG_ACCESS_OTHER_OBJECT)
    if access.file_handle != object_id.handle:
        raise BadRequest(MSG_ACCESS_OTHER_FH)
    return access
