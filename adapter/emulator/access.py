"""Synapse's access decisions: id parsing, READ, DOWNLOAD, access requirements, associations."""

from __future__ import annotations

import re

from adapter.emulator import errors
from adapter.emulator.model import (
    ANONYMOUS_ID,
    AUTHENTICATED_USERS,
    DOWNLOAD,
    PUBLIC_GROUP,
    READ,
    Catalogue,
    Entity,
    FileHandle,
    User,
)

# KeyFactory.stringToKey: trimmed, case-insensitive, the "syn" prefix optional, a Java long.
_ENTITY_ID = re.compile(r"(?i)(?:syn)?([0-9]{1,19})")
_LONG = re.compile(r"-?[0-9]{1,19}")
MAX_LONG = 2**63 - 1

# FileHandleAssociateType: an unknown name fails JSON parsing as a whole-request 400.
ASSOCIATE_TYPES = frozenset(
    {
        "FileEntity",
        "TableEntity",
        "WikiAttachment",
        "WikiMarkdown",
        "UserProfileAttachment",
        "MessageAttachment",
        "TeamAttachment",
        "SubmissionAttachment",
        "VerificationSubmission",
        "AccessRequirementAttachment",
        "DataAccessRequestAttachment",
        "DataAccessSubmissionAttachment",
        "FormData",
    }
)


def parse_entity_id(raw: str) -> int:
    """The entity number of `syn123`, `SYN123` or `123`; anything else is Synapse's 400."""
    match = _ENTITY_ID.fullmatch(raw.strip())
    if match is None or int(match.group(1)) > MAX_LONG:
        raise errors.bad_request(f"Invalid Entity ID: {raw}")
    return int(match.group(1))


def parse_long(raw: str, what: str = "java.lang.Long") -> int:
    """A path or query value Spring binds to a Java long."""
    if _LONG.fullmatch(raw) is None or abs(int(raw)) > MAX_LONG:
        raise errors.bad_request(
            f"Failed to convert value of type 'java.lang.String' to required type '{what}'; "
            f'For input string: "{raw}"'
        )
    return int(raw)


def check_associate_type(name: str) -> None:
    if name not in ASSOCIATE_TYPES:
        raise errors.bad_request(
            f"No enum constant org.sagebionetworks.repo.model.file.FileHandleAssociateType.{name}"
        )


def principals(user: User | None) -> set[str]:
    if user is None:
        return {ANONYMOUS_ID, PUBLIC_GROUP}
    return {user.id, PUBLIC_GROUP, AUTHENTICATED_USERS}


def permissions(entity: Entity, user: User | None) -> set[str]:
    granted: set[str] = set()
    for principal in principals(user):
        granted |= entity.acl.get(principal, frozenset())
    return granted


def live_entity(catalogue: Catalogue, number: int) -> Entity:
    """The entity, or Synapse's 404 for a missing one or one in the trash can."""
    entity = catalogue.entities.get(number)
    if entity is None:
        raise errors.entity_missing(f"syn{number}")
    if entity.trashed:
        raise errors.in_trash(entity.id)
    return entity


def read_denial(entity: Entity, user: User | None) -> errors.SynapseError | None:
    if READ in permissions(entity, user):
        return None
    return errors.forbidden(errors.LACK_READ)


def download_denial(entity: Entity, user: User | None) -> errors.SynapseError | None:
    """Why `user` may not download `entity`, in the order of Synapse's download decider.

    EntityAuthorizationUtils.determineDownloadAccess (existence and trash are checked by the
    callers): unmet access restrictions, then open data (READ is enough), then anonymity,
    then the DOWNLOAD permission. So an anonymous caller is told about anonymity even on an
    entity it cannot READ, and about an unmet requirement before anything else.
    """
    requirement = entity.requirement
    if requirement is not None and (user is None or user.id not in requirement.met_by):
        return errors.forbidden(errors.UNMET_REQUIREMENTS)
    granted = permissions(entity, user)
    if entity.open_data and READ in granted:
        return None
    if user is None:
        return errors.forbidden(errors.ANONYMOUS_READ_ONLY)
    if DOWNLOAD not in granted:
        return errors.forbidden(errors.LACK_DOWNLOAD)
    return None


def readable_entity(catalogue: Catalogue, number: int, user: User | None) -> Entity:
    entity = live_entity(catalogue, number)
    denial = read_denial(entity, user)
    if denial is not None:
        raise denial
    return entity


def associated_handle(
    catalogue: Catalogue,
    user: User | None,
    handle_id: str,
    object_id: str,
    object_type: str,
) -> FileHandle:
    """The handle a caller may download through an association, or the error Synapse answers.

    AuthorizationManagerImpl.canDownloadFile: the handle's creator may download it whatever
    the association (whether the handle belongs to the object, whether the object is in the
    trash can or has unmet access requirements). Anyone else needs the handle to belong to
    some version of the object (a missing entity has no versions, so it fails here too) and
    the entity's DOWNLOAD decision.
    """
    check_associate_type(object_type)
    number = parse_entity_id(object_id) if object_type == "FileEntity" else None
    handle = catalogue.handles.get(handle_id)
    if handle is not None and user is not None and handle.created_by == user.id:
        return handle
    entity = catalogue.entities.get(number) if number is not None else None
    if entity is None or handle_id not in entity.attached_handles():
        raise errors.not_associated(handle_id, object_id, object_type)
    if entity.trashed:
        raise errors.in_trash(entity.id)
    denial = download_denial(entity, user)
    if denial is not None:
        raise denial
    if handle is None:
        raise errors.handle_missing(handle_id)
    return handle


def own_handle(
    catalogue: Catalogue, user: User | None, handle_id: str, *, for_url: bool = False
) -> FileHandle:
    """A raw handle, which Synapse shows (and signs) only for its creator; 404 comes first."""
    handle = catalogue.handles.get(handle_id)
    if handle is None:
        raise errors.handle_missing(handle_id)
    if user is None or user.id != handle.created_by:
        if for_url:
            raise errors.forbidden(errors.URL_NOT_CREATOR)
        raise errors.handle_not_creator(handle_id, user.id if user else ANONYMOUS_ID)
    return handle
