"""Synapse's JSON shapes for entities, file handles, bundles and user profiles (nulls omitted)."""

from __future__ import annotations

from typing import Any

from adapter.emulator.access import download_denial, permissions
from adapter.emulator.blobs import EXTERNAL_PREFIX
from adapter.emulator.model import (
    ANONYMOUS,
    ANONYMOUS_ID,
    ARCHIVED,
    PUBLIC_GROUP,
    READ,
    VERSIONABLE,
    Catalogue,
    Entity,
    FileHandle,
    User,
    Version,
)

BUCKET = "proddata.sagebase.org"
STORAGE_LOCATION = 1


def _compact(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def entity_json(entity: Entity, version: Version) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": entity.id,
        "name": entity.name,
        "description": entity.description,
        "etag": version.etag,
        "createdOn": entity.created_on,
        "modifiedOn": version.modified_on,
        "createdBy": entity.created_by,
        "modifiedBy": entity.created_by,
        "parentId": f"syn{entity.parent}" if entity.parent is not None else None,
        "concreteType": entity.concrete_type,
    }
    if entity.type in VERSIONABLE:
        body["versionNumber"] = version.number
        body["versionLabel"] = str(version.number)
        body["versionComment"] = version.comment
        body["isLatestVersion"] = version.number == len(entity.versions)
    if entity.type == "file":
        body["dataFileHandleId"] = version.file_handle_id
    if entity.type == "dataset":
        body["columnIds"] = []
        body["isSearchEnabled"] = False
        # An empty Dataset's items are null in Synapse: no items, size, checksum or count.
        if version.items is not None:
            body["items"] = [
                {"entityId": f"syn{i.entity}", "versionNumber": i.version} for i in version.items
            ]
            body["count"] = len(version.items)
        body["size"] = version.size
        body["checksum"] = version.checksum
    return _compact(body)


def entity_header_json(entity: Entity, version: Version) -> dict[str, Any]:
    """EntityHeader: `type` is the concrete class; every entity is its own benefactor here."""
    return {
        "name": entity.name,
        "id": entity.id,
        "type": entity.concrete_type,
        "versionNumber": version.number,
        "versionLabel": str(version.number),
        "benefactorId": entity.number,
        "createdOn": entity.created_on,
        "modifiedOn": version.modified_on,
        "createdBy": entity.created_by,
        "modifiedBy": entity.created_by,
        "isLatestVersion": version.number == len(entity.versions),
    }


def handle_json(handle: FileHandle, origin: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": handle.id,
        "etag": handle.etag,
        "createdBy": handle.created_by,
        "createdOn": handle.created_on,
        "modifiedOn": handle.created_on,
        "concreteType": handle.concrete_type,
        "contentType": handle.content_type,
        "contentMd5": handle.md5,
        "fileName": handle.file_name,
        "contentSize": handle.size,
        "status": handle.status,
    }
    if handle.external:
        body["externalURL"] = external_url(handle, origin)
    else:
        body["storageLocationId"] = STORAGE_LOCATION
        body["bucketName"] = BUCKET
        body["key"] = handle.blob_key
        body["previewId"] = handle.preview_id
        body["isPreview"] = handle.is_preview
    return _compact(body)


def external_url(handle: FileHandle, origin: str) -> str:
    """Where an ExternalFileHandle's bytes live: the emulator's unsigned route."""
    return f"{origin}{EXTERNAL_PREFIX}{handle.blob_key}"


def bundle_handles(catalogue: Catalogue, version: Version) -> list[FileHandle]:
    """A version's handles as the bundle lists them: the preview, when there is one, first.

    Synapse's FileHandleDaoImpl.getAllFileHandles lists the data handle and then its preview;
    the emulator puts the preview first on purpose, so that a client which takes the first
    handle instead of matching `dataFileHandleId` fails here rather than in production.
    """
    if version.file_handle_id is None:
        return []
    data = catalogue.handles[version.file_handle_id]
    if data.preview_id is None or data.status == ARCHIVED:  # archival deletes the previews
        return [data]
    return [catalogue.handles[data.preview_id], data]


def permissions_json(entity: Entity, user: User | None) -> dict[str, Any]:
    granted = permissions(entity, user)
    owner = user is not None and user.id == entity.created_by
    return {
        "canView": READ in granted,
        "canEdit": "UPDATE" in granted,
        "canDelete": "DELETE" in granted,
        "canChangePermissions": "CHANGE_PERMISSIONS" in granted,
        "canAddChild": "CREATE" in granted,
        # The download decider's answer: open data needs only READ, requirements come first.
        "canDownload": download_denial(entity, user) is None,
        "canUpload": user is not None,
        "canPublicRead": READ in entity.acl.get(PUBLIC_GROUP, frozenset()),
        "canModerate": False,
        "canEnableInheritance": owner,
        "isCertifiedUser": user is not None,
        "isCertificationRequired": True,
        "isEntityOpenData": entity.open_data,
        "ownerPrincipalId": int(entity.created_by),
    }


def restriction_json(entity: Entity, user: User | None) -> dict[str, Any]:
    """RestrictionInformationResponse, as RestrictionInformationManagerImpl builds it."""
    body: dict[str, Any] = {
        "objectId": entity.number,
        "userEntityPermissions": permissions_json(entity, user),
    }
    requirement = entity.requirement
    if requirement is None:
        body.update(hasUnmetAccessRequirement=False, restrictionLevel="OPEN", restrictionDetails=[])
        return body
    met = user is not None and user.id in requirement.met_by
    body.update(
        hasUnmetAccessRequirement=not met,
        restrictionLevel="CONTROLLED_BY_ACT",
        restrictionDetails=[
            {
                "accessRequirementId": requirement.id,
                "isApproved": met,
                "isMet": met,
                "isExempt": False,
            }
        ],
    )
    return body


def profile_json(user: User | None) -> dict[str, Any]:
    if user is None:
        return {"ownerId": ANONYMOUS_ID, "userName": ANONYMOUS, "etag": "anonymous"}
    return {
        "ownerId": user.id,
        "etag": f"profile-{user.id}",
        "firstName": user.name.capitalize(),
        "lastName": "Emulated",
        "userName": user.name,
        "displayName": f"{user.name.capitalize()} Emulated",
        "emails": [f"{user.name}@example.org"],
        "createdOn": "2023-06-01T00:00:00.000Z",
    }
