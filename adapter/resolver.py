"""Synapse -> DRS translation: DrsObjects, bundles and AccessURLs from Synapse answers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from adapter.cache import ReadCache
from adapter.errors import BadGateway, BadRequest, Forbidden
from adapter.ids import (
    EntityAccessId,
    EntityVersion,
    FileHandleRef,
    HandleAccessId,
    ObjectId,
)
from adapter.models import AccessURL, ContentsObject, DrsObject
from adapter.synapse.client import SynapseClient
from adapter.synapse.models import DATASET, FILE_ENTITY, Entity, EntityBundle, FileHandle

EMPTY_MD5 = hashlib.md5(b"", usedforsecurity=False).hexdigest()

MSG_UNSUPPORTED = "Only FileEntity, Datasets, and File Handle IDs are supported."
MSG_NESTED_BUNDLE = "Nesting of bundle is not supported."
MSG_NO_DOWNLOAD = (
    "You lack DOWNLOAD access to the requested entity. Synapse shows a file's size and "
    "checksum only to callers who may download it."
)
MSG_NO_CHECKSUM = "Synapse has no size or md5 for this file, and DRS requires both."


def drs_uri(host: str, object_id: str) -> str:
    return f"drs://{host}/{object_id}"


def blob_from_entity(
    entity: Entity, handle: FileHandle, object_id: EntityVersion, host: str
) -> DrsObject:
    """A FileEntity version and its data file handle as a DRS blob (docs/behaviour.md §4)."""
    blob = _blob(
        str(object_id),
        host,
        handle,
        str(EntityAccessId(object_id, int(handle.id))),
        name=entity.name,
        created=entity.createdOn,
        updated=entity.modifiedOn,
        description=entity.description,
    )
    blob["version"] = str(object_id.version)
    return blob


def blob_from_handle(handle: FileHandle, object_id: FileHandleRef, host: str) -> DrsObject:
    """A raw file handle as a DRS blob: no version, no description, bare access id."""
    return _blob(
        str(object_id),
        host,
        handle,
        str(HandleAccessId(object_id.handle)),
        name=handle.fileName,
        created=handle.createdOn,
        updated=handle.modifiedOn,
        description=None,
    )


def _blob(
    ident: str,
    host: str,
    handle: FileHandle,
    access_id: str,
    *,
    name: str,
    created: str,
    updated: str | None,
    description: str | None,
) -> DrsObject:
    """A blob's fields; size, type and md5 from the file handle that holds its bytes."""
    return {
        "id": ident,
        "name": name,
        "self_uri": drs_uri(host, ident),
        "size": _size(handle),
        "created_time": created,
        "updated_time": updated,
        "mime_type": handle.contentType,
        "checksums": [{"checksum": _md5(handle), "type": "md5"}],
        "access_methods": [{"type": "https", "access_id": access_id}],
        "description": description,
    }


def bundle_from_dataset(entity: Entity, object_id: EntityVersion, host: str) -> DrsObject:
    """A Dataset as a DRS bundle: contents from its items, size and md5 as Synapse computed them."""
    prefix = drs_uri(host, "")
    # Item ids were checked against `syn<digits>` when Synapse's answer was read.
    members = [f"{item['entityId']}.{item['versionNumber']}" for item in entity.items or []]
    contents: list[ContentsObject] = [
        {"name": member, "id": member, "drs_uri": [prefix + member]} for member in members
    ]
    ident = str(object_id)
    return {
        "id": ident,
        "name": entity.name,
        "self_uri": drs_uri(host, ident),
        "size": entity.size or 0,
        "created_time": entity.createdOn,
        "updated_time": entity.modifiedOn,
        "version": str(object_id.version),
        "mime_type": None,
        "checksums": [{"checksum": entity.checksum or EMPTY_MD5, "type": "md5"}],
        "contents": contents,
        "description": entity.description,
    }


def _md5(handle: FileHandle) -> str:
    if handle.contentMd5 is None:
        raise BadGateway(MSG_NO_CHECKSUM)
    return handle.contentMd5


def _size(handle: FileHandle) -> int:
    if handle.contentSize is None:
        raise BadGateway(MSG_NO_CHECKSUM)
    return handle.contentSize


@dataclass(frozen=True, slots=True)
class Resolver:
    """Answers DRS questions with as few Synapse calls as the answer needs (one, usually)."""

    client: SynapseClient
    cache: ReadCache
    metadata_token: str | None = None

    async def _bundle(self, token: str | None, object_id: EntityVersion) -> EntityBundle:
        key = self.cache.key("bundle", token, str(object_id))
        return await self.cache.get_or_fetch(
            key,
            EntityBundle,
            lambda: self.client.entity_bundle_json(token, object_id.synapse_id, object_id.version),
        )

    async def _file_handle(self, token: str | None, object_id: FileHandleRef) -> FileHandle:
        key = self.cache.key("handle", token, str(object_id))
        return await self.cache.get_or_fetch(
            key, FileHandle, lambda: self.client.file_handle_json(token, object_id.handle)
        )

    async def drs_object(
        self, token: str | None, object_id: ObjectId, host: str, *, expand: bool = False
    ) -> DrsObject:
        if isinstance(object_id, FileHandleRef):
            handle = await self._file_handle(token, object_id)
            return blob_from_handle(handle, object_id, host)
        bundle = await self._bundle(token, object_id)
        entity = bundle.entity
        if entity.concreteType == DATASET:
            # After the entity read on purpose: 401/403/404 win over this 400
            # (docs/behaviour.md §4).
            if expand:
                raise BadRequest(MSG_NESTED_BUNDLE)
            return bundle_from_dataset(entity, object_id, host)
        if entity.concreteType != FILE_ENTITY:
            raise BadRequest(MSG_UNSUPPORTED)
        handle = bundle.data_file_handle() or await self._metadata_handle(object_id)
        return blob_from_entity(entity, handle, object_id, host)

    async def _metadata_handle(self, object_id: EntityVersion) -> FileHandle:
        """Synapse hides the file handle from callers without DOWNLOAD: read it for metadata
        with the configured credential, if any. That credential never signs a URL."""
        if self.metadata_token is None:
            raise Forbidden(MSG_NO_DOWNLOAD)
        bundle = await self._bundle(self.metadata_token, object_id)
        handle = bundle.data_file_handle()
        if handle is None:
            raise Forbidden(MSG_NO_DOWNLOAD)
        return handle

    async def access_url(
        self, token: str | None, access_id: EntityAccessId | HandleAccessId
    ) -> AccessURL:
        if isinstance(access_id, HandleAccessId):
            url = await self.client.file_handle_url(token, access_id.file_handle)
        else:
            url = await self.client.entity_file_url(
                token, access_id.target.synapse_id, access_id.file_handle
            )
        return AccessURL(url=url)
