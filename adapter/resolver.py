"""Synapse -> DRS translation, and the service's only door to Synapse: DrsObjects, bundles
and access URLs from Synapse's answers, read through the cache (docs/behaviour.md §4, §5)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from adapter.cache import Entry, ReadCache
from adapter.caller import Caller
from adapter.errors import AdapterError, BadRequest, Forbidden, NotFound, Unauthorized
from adapter.ids import (
    AccessId,
    EntityAccessId,
    EntityVersion,
    FileHandleRef,
    HandleAccessId,
    ObjectId,
)
from adapter.models import AccessMethod, AccessURL, ContentsObject, DrsObject
from adapter.rendering import Rendered
from adapter.synapse import errors
from adapter.synapse.client import SynapseClient
from adapter.synapse.models import (
    ARCHIVED,
    DATASET,
    FILE_ENTITY,
    Entity,
    EntityBundle,
    FileHandle,
)

# DRS requires a size and at least one checksum; Synapse does not always know them
# (docs/behaviour.md §4, "What Synapse does not know"). These say "unknown" within the schema.
UNKNOWN_SIZE = -1  # never 0, which would tell a client the file is empty
UNKNOWN_CHECKSUM = ""  # md5 named, no value: what Synapse's own DRS endpoint sends, less null
# A bundle with no contents: DRS's own definitions give size 0 and the md5 of the empty string.
EMPTY_MD5 = hashlib.md5(b"", usedforsecurity=False).hexdigest()

MSG_UNSUPPORTED = "Only FileEntity, Datasets, and File Handle IDs are supported."
MSG_NESTED_BUNDLE = "Nesting of bundle is not supported."
MSG_NO_DOWNLOAD = (
    "You lack DOWNLOAD access to the requested entity. Synapse shows a file's size and "
    "checksum only to callers who may download it."
)
# Synapse's own words (AuthorizationConstants), for a caller an access requirement holds back.
MSG_UNMET_REQUIREMENT = (
    "There are unmet access requirements that must be met to read content in the requested "
    "container."
)


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
    """A blob's required fields; size, type and md5 from the file handle that holds its bytes.

    A URL-linked handle may have neither size nor md5: both are sent as unknown. An archived
    handle's access method is `available: false` (its bytes need restoring first)."""
    size = handle.contentSize if handle.contentSize is not None else UNKNOWN_SIZE
    md5 = handle.contentMd5 if handle.contentMd5 is not None else UNKNOWN_CHECKSUM
    method: AccessMethod = {"type": "https", "access_id": access_id}
    if handle.status is not None:
        method["available"] = handle.status != ARCHIVED
    blob: DrsObject = {
        "id": ident,
        "name": name,
        "self_uri": drs_uri(host, ident),
        "size": size,
        "created_time": created,
        "checksums": [{"checksum": md5, "type": "md5"}],
        "access_methods": [method],
    }
    if handle.contentType is not None:
        blob["mime_type"] = handle.contentType
    return blob


def bundle_from_dataset(entity: Entity, object_id: EntityVersion, host: str) -> DrsObject:
    """A Dataset as a DRS bundle: contents from its items, size and md5 as Synapse computed them.

    Synapse sends no totals for a Dataset without items (DRS's definitions then give 0 and
    md5("")), and no checksum when no item has an md5 (sent as unknown, never invented)."""
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
        "size": _bundle_size(entity.size, empty=not members),
        "created_time": entity.createdOn,
        "version": str(object_id.version),
        "checksums": [{"checksum": _bundle_md5(entity.checksum, empty=not members), "type": "md5"}],
        "contents": contents,
    }
    if entity.modifiedOn is not None:
        bundle["updated_time"] = entity.modifiedOn
    if entity.description is not None:
        bundle["description"] = entity.description
    return bundle


def _bundle_size(size: int | None, *, empty: bool) -> int:
    if size is not None:
        return size
    return 0 if empty else UNKNOWN_SIZE


def _bundle_md5(checksum: str | None, *, empty: bool) -> str:
    if checksum is not None:
        return checksum
    return EMPTY_MD5 if empty else UNKNOWN_CHECKSUM


def _refuse_expand(bundle: EntityBundle, expand: bool) -> None:
    """A Dataset is a bundle, and bundles are not nested: `expand=true` is a 400, answered
    after the entity was read on purpose (401/403/404 win over it, §4)."""
    if expand and bundle.entity.concreteType == DATASET:
        raise BadRequest(MSG_NESTED_BUNDLE)


def _withheld(bundle: EntityBundle) -> Forbidden:
    """Why Synapse left a file's handles out of the caller's bundle: an unmet access
    requirement when its restriction information says so, otherwise no DOWNLOAD."""
    restriction = bundle.restrictionInformation
    if restriction is not None and restriction.hasUnmetAccessRequirement:
        return Forbidden(MSG_UNMET_REQUIREMENT)
    return Forbidden(MSG_NO_DOWNLOAD)


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

    async def rendered_object(
        self, caller: Caller, object_id: ObjectId, host: str, *, expand: bool = False
    ) -> Rendered:
        """The DrsObject as JSON bytes with its ETag, rendered once per cached answer and host
        (kept with the cache entry). A read the in-process cache answers awaits nothing."""
        key = self._key(caller, object_id)
        entry = self.cache.hit(key) or await self._entry(key, caller, object_id)
        source = entry.get()
        if isinstance(source, EntityBundle):
            _refuse_expand(source, expand)  # before a kept rendering could answer instead
        rendered = entry.rendering(host)
        if rendered is None:
            rendered = Rendered.of(await self._translate(caller, object_id, source, host, expand))
            entry.keep(host, rendered)
        return rendered

    async def drs_object(
        self, caller: Caller, object_id: ObjectId, host: str, *, expand: bool = False
    ) -> DrsObject:
        key = self._key(caller, object_id)
        entry = self.cache.hit(key) or await self._entry(key, caller, object_id)
        return await self._translate(caller, object_id, entry.get(), host, expand)

    def _key(self, caller: Caller, object_id: ObjectId) -> str:
        kind = "handle" if isinstance(object_id, FileHandleRef) else "bundle"
        return self.cache.key(kind, caller, str(object_id))

    async def _entry(
        self, key: str, caller: Caller, object_id: ObjectId
    ) -> Entry[EntityBundle] | Entry[FileHandle]:
        """The cache entry of the Synapse answer an object is made from, read as `caller`."""
        if isinstance(object_id, FileHandleRef):
            handle = object_id.handle
            return await self.cache.entry(
                key, FileHandle, lambda: self.client.file_handle(caller, handle)
            )
        return await self.cache.entry(
            key, EntityBundle, lambda: self.client.entity_bundle(caller, object_id)
        )

    async def _translate(
        self,
        caller: Caller,
        object_id: ObjectId,
        source: EntityBundle | FileHandle,
        host: str,
        expand: bool,
    ) -> DrsObject:
        if isinstance(source, FileHandle):
            assert isinstance(object_id, FileHandleRef)
            return blob_from_handle(source, object_id, host)
        assert isinstance(object_id, EntityVersion)
        bundle = source
        entity = bundle.entity
        if entity.concreteType == DATASET:
            _refuse_expand(bundle, expand)
            return bundle_from_dataset(entity, object_id, host)
        if entity.concreteType != FILE_ENTITY:
            raise BadRequest(MSG_UNSUPPORTED)
        handle = bundle.data_file_handle() or await self._metadata_handle(caller, bundle, object_id)
        return blob_from_entity(entity, handle, object_id, host)

    async def access_url(self, caller: Caller, access_id: AccessId) -> AccessURL:
        """A URL for the bytes, never one to an archived file's (docs/behaviour.md §5)."""
        if isinstance(access_id, HandleAccessId):
            url = await self.client.file_handle_url(caller, access_id.file_handle)
            # Synapse signs whatever the status: read it (cached since the object was read).
            handle = await self._file_handle(caller, FileHandleRef(access_id.file_handle))
            if handle.status == ARCHIVED:
                raise errors.archived(access_id.file_handle)
            return AccessURL(url=url)
        # One batch call signs and tells the handle's status (an archived one is a 409)...
        signed = (await self.client.sign_batch(caller, [access_id]))[0]
        if isinstance(signed, str):
            return AccessURL(url=signed)
        if not isinstance(signed, Forbidden | NotFound):
            raise signed
        # ...but a refusal there is only a failure code: ask again for Synapse's own words.
        return AccessURL(url=await self.client.entity_file_url(caller, access_id))

    async def sign(
        self, caller: Caller, access_ids: Sequence[EntityAccessId]
    ) -> list[str | AdapterError]:
        """Presigned URLs (or why not) for many FileEntity access ids, in order, batched."""
        return await self.client.sign_batch(caller, access_ids)

    async def synapse_reachable(self, timeout_s: float) -> bool:
        return await self.client.reachable(timeout_s)

    async def cache_reachable(self) -> bool:
        return await self.cache.ping()

    async def _file_handle(self, caller: Caller, object_id: FileHandleRef) -> FileHandle:
        key = self.cache.key("handle", caller, str(object_id))
        return await self.cache.get_or_fetch(
            key, FileHandle, lambda: self.client.file_handle(caller, object_id.handle)
        )

    async def _metadata_handle(
        self, caller: Caller, bundle: EntityBundle, object_id: EntityVersion
    ) -> FileHandle:
        """Synapse hides the file handle from callers who may not download (no DOWNLOAD, or an
        unmet access requirement): read it for metadata with the configured credential, if
        any, charged to `caller`'s share of its budget (adapter/synapse/budget.py). That
        credential never signs a URL, and its failure is the operator's: a credential Synapse
        rejects answers as if there were none."""
        metadata = self.metadata
        if metadata is None:
            raise _withheld(bundle)
        key = self.cache.key("bundle", metadata, str(object_id))
        try:
            with_metadata = await self.cache.get_or_fetch(
                key,
                EntityBundle,
                lambda: self.client.entity_bundle(metadata, object_id, for_caller=caller),
            )
        except Unauthorized:
            raise _withheld(bundle) from None
        handle = with_metadata.data_file_handle()
        if handle is None:
            raise _withheld(bundle)
        return handle
