"""Helpers that add users, file handles and entities to a catalogue with real-looking ids."""

from __future__ import annotations

import uuid
from dataclasses import replace

from adapter.emulator.auth import make_token
from adapter.emulator.blobs import BlobStore, md5_hex
from adapter.emulator.model import (
    AVAILABLE,
    DOWNLOAD,
    EXTERNAL_HANDLE,
    READ,
    S3_HANDLE,
    AccessRequirement,
    Catalogue,
    DatasetItem,
    Entity,
    FileHandle,
    User,
    Version,
)

CREATED_ON = "2024-01-01T00:00:00.000Z"
ROOT_ENTITY = 4489  # syn4489, the parent of every Synapse project
_ETAGS = uuid.UUID("6c1d3a7e-0000-4000-8000-000000000000")

R = frozenset({READ})
RD = frozenset({READ, DOWNLOAD})
OWNER = frozenset({READ, DOWNLOAD, "CREATE", "UPDATE", "DELETE", "CHANGE_PERMISSIONS"})


def etag(kind: str, ident: object) -> str:
    """A stable etag, so answers are the same across runs of one catalogue."""
    return str(uuid.uuid5(_ETAGS, f"{kind}:{ident}"))


def modified_on(version: int) -> str:
    return f"2024-01-{min(version + 1, 28):02d}T00:00:00.000Z"


class CatalogueBuilder:
    """Hands out entity ids from syn1000001 and file handle ids from 100000001."""

    def __init__(self, secret: bytes, blobs: BlobStore) -> None:
        self.catalogue = Catalogue()
        self.blobs = blobs
        self._secret = secret
        self._next_entity = 1_000_001
        self._next_handle = 100_000_001

    def user(self, name: str, user_id: str, scopes: list[str]) -> User:
        token = make_token(self._secret, user_id, scopes, etag("token", name))
        user = User(name=name, id=user_id, token=token, scopes=frozenset(scopes))
        self.catalogue.add_user(user)
        return user

    def invalid_token(self) -> str:
        """A token of the right shape that Synapse never issued: the 401 case."""
        token = make_token(b"not-the-emulator-key", "3350999", ["view"], etag("token", "bad"))
        self.catalogue.invalid_token = token
        return token

    def handle(
        self,
        creator: str,
        file_name: str,
        content_type: str,
        data: bytes,
        *,
        external: bool = False,
        is_preview: bool = False,
        preview_id: str | None = None,
        status: str = AVAILABLE,
        checksummed: bool = True,
    ) -> FileHandle:
        """A handle created by the user id `creator`, its bytes in the blob store.

        `checksummed=False` is an ExternalFileHandle made from a bare URL: Synapse stores no
        contentMd5 and no contentSize for it, though the URL serves the bytes.
        """
        handle_id = str(self._next_handle)
        self._next_handle += 1
        key = f"{creator}/{handle_id}/{file_name}"
        md5, size = self.blobs.put(key, data)
        handle = FileHandle(
            id=handle_id,
            created_by=creator,
            created_on=CREATED_ON,
            etag=etag("handle", handle_id),
            file_name=file_name,
            content_type=content_type,
            md5=md5 if checksummed else None,
            size=size if checksummed else None,
            blob_key=key,
            concrete_type=EXTERNAL_HANDLE if external else S3_HANDLE,
            preview_id=preview_id,
            is_preview=is_preview,
            status=status,
        )
        self.catalogue.handles[handle_id] = handle
        return handle

    def entity(
        self,
        kind: str,
        name: str,
        owner: User,
        acl: dict[str, frozenset[str]],
        *,
        parent: Entity | None = None,
        description: str | None = None,
    ) -> Entity:
        number = self._next_entity
        self._next_entity += 1
        entity = Entity(
            number=number,
            type=kind,
            name=name,
            created_by=owner.id,
            created_on=CREATED_ON,
            parent=parent.number if parent is not None else ROOT_ENTITY,
            description=description,
            acl={owner.id: OWNER, **acl},
        )
        if kind in ("project", "folder"):
            entity.versions.append(Version(1, CREATED_ON, etag("entity", number)))
        self.catalogue.entities[number] = entity
        return entity

    def file_version(self, entity: Entity, handle: FileHandle, comment: str | None = None) -> int:
        number = len(entity.versions) + 1
        tag = etag("entity", f"{entity.number}.{number}")
        entity.versions.append(
            Version(number, modified_on(number), tag, file_handle_id=handle.id, comment=comment)
        )
        return number

    def dataset_version(self, entity: Entity, items: list[tuple[Entity, int]] | None) -> int:
        """Add a version whose size and checksum are computed as Synapse computes them.

        NodeDAOImpl.getFileSummary: MD5 of the ascending-sorted concatenation of the items'
        md5s and SUM of their sizes, in SQL, where an item without an md5 or size is skipped
        (GROUP_CONCAT and SUM ignore NULL). So items without md5s give no checksum at all,
        and items without sizes a size of 0 (a SQL NULL read as a Java long). An empty
        Dataset (`items` None: Synapse keeps no list) has no checksum, size or count.
        """
        number = len(entity.versions) + 1
        version = Version(number, modified_on(number), etag("entity", f"{entity.number}.{number}"))
        if items is not None:
            md5s: list[str] = []
            size = 0
            for item, item_version in items:
                handle_id = item.versions[item_version - 1].file_handle_id
                if handle_id is None:
                    raise ValueError(f"dataset item {item.id} is not a FileEntity")
                handle = self.catalogue.handles[handle_id]
                if handle.md5 is not None:
                    md5s.append(handle.md5)
                size += handle.size or 0
            version = replace(
                version,
                items=tuple(DatasetItem(item.number, v) for item, v in items),
                size=size,
                checksum=md5_hex("".join(sorted(md5s)).encode()) if md5s else None,
            )
        entity.versions.append(version)
        return number

    def requirement(self, entity: Entity, met_by: list[User]) -> None:
        entity.requirement = AccessRequirement(
            id=9_600_000 + entity.number % 100_000, met_by=frozenset(u.id for u in met_by)
        )
