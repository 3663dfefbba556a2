"""Synapse -> DRS translation, and the service's only door to Synapse: DrsObjects, bundles
and access URLs from Synapse's answers, read through the cache (docs/behaviour.md §4, §5)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from adapter.cache import ReadCache
from adapter.caller import Caller
from adapter.errors import AdapterError, BadGateway, BadRequest, Forbidden, Unauthorized
from adapter.ids import (
    AccessId,
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
    access_id = EntityAccessId(object_id, int(handle.id))
    blob = _blob(str(object_id), host, handle, str(access_id), entity.name, entity.createdOn)
    if entity.modifiedOn is not None:
        blob["updated_time"] = entity.modifiedOn
    blob["version"] = str(object_id.version)
    if entity.description is not None:
        blob["description"] = entity.description
    return blob


def blob_from_handle(handle: FileHandle, object_id: FileHandleRef, host: str) -> DrsObject:
    """A raw file handle as a DRS blob: no version, no description, bare access id."""
    access_id = HandleAccessId(object_id.handle)
    blob = _blob(str(object_id), host, handle, str(access_id), handle.fileName, handle.createdOn)
    if handle.modifiedOn is not None:
        blob["updated_time"] = handle.modifiedOn
    return blob


def _blob(
    ident: str, host: str, handle: FileHandle, access_id: str, name: str, created: str
) -> DrsObject:
    """A blob's required fields; size, type and md5 from the file handle that holds its bytes."""
    if handle.contentMd5 is None or handle.contentSize is None:
        raise BadGateway(MSG_NO_CHECKSUM)
    blob: DrsObject = {
        "id": ident,
        "name": name,
        "self_uri": drs_uri(host, ident),
        "size": handle.contentSize,
        "created_time": created,
        "checksums": [{"checksum": handle.contentMd5, "type": "md5"}],
        "access_methods": [{"type": "https", "access_id": access_id}],
    }
    if handle.contentType is not None:
        blob["mime_type"] = handle.contentType
    return blob


def bundle_from_dataset(entity: Entity, object_id: EntityVersion, host: str) -> DrsObject:
    """A Dataset as a DRS bundle: contents from its items, size and md5 as Synapse computed them."""
    prefix = drs_uri(host, "")
    # Item ids were checked against `syn<digits>` when Synapse's answer was read.
    members = [f"{item['entityId']}.{item['versionNumber']}" for item in entity.items or []]
    contents: list[ContentsObject] = [
        {"name": member, "id": member, "drs_uri": [prefix + member]} for member in members
    ]
    ident = str(object_id)
    bundle: DrsObject = {
        "id": ident,
        "name": entity.name,
        "self_uri": drs_uri(host, ident),
        "size": entity.size or 0,
        "created_time": entity.createdOn,
        "version": str(object_id.version),
        "checksums": [{"checksum": entity.checksum or EMPTY_MD5, "type": "md5"}],
        "contents": contents,
    }
    if entity.modifiedOn is not None:
        bundle["updated_time"] = entity.modifiedOn
    if entity.description is not None:
        bundle["description"] = entity.description
    return bundle


@dataclass(frozen=True, slots=True)
class Resolver:
    """Answers DRS questions with as few Synapse calls as the answer needs (one, usually).

    Everything the service asks of Synapse goes through here: reads (cached), signing, and
    whether Synapse and the cache answer (for readiness).
    """

    client: SynapseClient
    cache: ReadCache
    # The operator's credential for size and md5 of files a caller may read but not download.
    metadata: Caller | None = field(default=None, repr=False)

    async def drs_object(
        self, caller: Caller, object_id: ObjectId, host: str, *, expand: bool = False
    ) -> DrsObject:
        if isinstance(object_id, FileHandleRef):
            handle = await self._file_handle(caller, object_id)
            return blob_from_handle(handle, object_id, host)
        bundle = await self._bundle(caller, object_id)
        entity = bundle.entity
        if entity.concreteType == DATASET:
            # After the entity read on purpose: 401/403/404 win over this 400 (§4).
            if expand:
                raise BadRequest(MSG_NESTED_BUNDLE)
            return bundle_from_dataset(entity, object_id, host)
        if entity.concreteType != FILE_ENTITY:
            raise BadRequest(MSG_UNSUPPORTED)
        handle = bundle.data_file_handle() or await self._metadata_handle(caller, object_id)
        return blob_from_entity(entity, handle, object_id, host)

    async def access_url(self, caller: Caller, access_id: AccessId) -> AccessURL:
        if isinstance(access_id, HandleAccessId):
            url = await self.client.file_handle_url(caller, access_id.file_handle)
        else:
            url = await self.client.entity_file_url(caller, access_id)
        return AccessURL(url=url)

    async def sign(
        self, caller: Caller, access_ids: Sequence[EntityAccessId]
    ) -> list[str | AdapterError]:
        """Presigned URLs (or why not) for many FileEntity access ids, in order, batched."""
        return await self.client.sign_batch(caller, access_ids)

    async def synapse_reachable(self, timeout_s: float) -> bool:
        return await self.client.reachable(timeout_s)

    async def cache_reachable(self) -> bool:
        return await self.cache.ping()

    async def _bundle(self, caller: Caller, object_id: EntityVersion) -> EntityBundle:
        key = self.cache.key("bundle", caller, str(object_id))
        return await self.cache.get_or_fetch(
            key, EntityBundle, lambda: self.client.entity_bundle(caller, object_id)
        )

    async def _file_handle(self, caller: Caller, object_id: FileHandleRef) -> FileHandle:
        key = self.cache.key("handle", caller, str(object_id))
        return await self.cache.get_or_fetch(
            key, FileHandle, lambda: self.client.file_handle(caller, object_id.handle)
        )

    async def _metadata_handle(self, caller: Caller, object_id: EntityVersion) -> FileHandle:
        """Synapse hides the file handle from callers without DOWNLOAD: read it for metadata
        with the configured credential, if any, charged to `caller`'s share of its budget
        (adapter/synapse/budget.py). That credential never signs a URL, and its failure is the
        operator's: a credential Synapse rejects answers as if there were none."""
        metadata = self.metadata
        if metadata is None:
            raise Forbidden(MSG_NO_DOWNLOAD)
        key = self.cache.key("bundle", metadata, str(object_id))
        try:
            bundle = await self.cache.get_or_fetch(
                key,
                EntityBundle,
                lambda: self.client.entity_bundle(metadata, object_id, for_caller=caller),
            )
        except Unauthorized:
            raise Forbidden(MSG_NO_DOWNLOAD) from None
        handle = bundle.data_file_handle()
        if handle is None:
            raise Forbidden(MSG_NO_DOWNLOAD)
        return handle
