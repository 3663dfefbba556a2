"""The emulated Synapse data: users, file handles, versioned entities, ACLs, access requirements."""

from __future__ import annotations

from dataclasses import dataclass, field

# Synapse's well-known principals: the PUBLIC group, every signed-in user, and the anonymous user.
PUBLIC_GROUP = "273949"
AUTHENTICATED_USERS = "273948"
ANONYMOUS_ID = "273950"
ANONYMOUS = "anonymous"

READ = "READ"
DOWNLOAD = "DOWNLOAD"

S3_HANDLE = "org.sagebionetworks.repo.model.file.S3FileHandle"
# FileHandleStatus: a handle nothing links to turns UNLINKED, and 30 days later ARCHIVED.
AVAILABLE = "AVAILABLE"
UNLINKED = "UNLINKED"
ARCHIVED = "ARCHIVED"
EXTERNAL_HANDLE = "org.sagebionetworks.repo.model.file.ExternalFileHandle"

CONCRETE_TYPES = {
    "file": "org.sagebionetworks.repo.model.FileEntity",
    "dataset": "org.sagebionetworks.repo.model.table.Dataset",
    "project": "org.sagebionetworks.repo.model.Project",
    "folder": "org.sagebionetworks.repo.model.Folder",
}
# Only these carry versionNumber / versionLabel / isLatestVersion in their JSON.
VERSIONABLE = frozenset({"file", "dataset"})


@dataclass(frozen=True)
class User:
    """A Synapse account and the one personal access token the emulator issued for it."""

    name: str
    id: str
    token: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class FileHandle:
    """A file handle; its md5 and size, when it has them, are those of the bytes under `blob_key`.

    An ExternalFileHandle made from a URL (as synapseclient makes them) has neither: Synapse
    never reads the bytes behind the URL.
    """

    id: str
    created_by: str
    created_on: str
    etag: str
    file_name: str
    content_type: str
    md5: str | None
    size: int | None
    blob_key: str
    concrete_type: str = S3_HANDLE
    preview_id: str | None = None
    is_preview: bool = False
    status: str = AVAILABLE

    @property
    def external(self) -> bool:
        return self.concrete_type == EXTERNAL_HANDLE


@dataclass(frozen=True)
class DatasetItem:
    entity: int
    version: int


@dataclass(frozen=True)
class Version:
    """One version of an entity: a FileEntity's data file, or a Dataset's items and totals."""

    number: int
    modified_on: str
    etag: str
    file_handle_id: str | None = None
    items: tuple[DatasetItem, ...] | None = None
    size: int | None = None
    checksum: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class AccessRequirement:
    """A controlled-access requirement on an entity and the users who have met it."""

    id: int
    met_by: frozenset[str]


@dataclass
class Entity:
    """A node of the entity tree; each is its own ACL benefactor, so no inheritance to follow."""

    number: int
    type: str
    name: str
    created_by: str
    created_on: str
    parent: int | None = None
    description: str | None = None
    versions: list[Version] = field(default_factory=list)
    acl: dict[str, frozenset[str]] = field(default_factory=dict)
    trashed: bool = False
    requirement: AccessRequirement | None = None
    # Synapse's DataType OPEN_DATA: every caller with READ may also download.
    open_data: bool = False

    @property
    def id(self) -> str:
        return f"syn{self.number}"

    @property
    def concrete_type(self) -> str:
        return CONCRETE_TYPES[self.type]

    def version(self, number: int) -> Version | None:
        if 1 <= number <= len(self.versions):
            return self.versions[number - 1]
        return None

    def attached_handles(self) -> set[str]:
        """Every file handle that some version of this entity points at (data, not previews)."""
        return {v.file_handle_id for v in self.versions if v.file_handle_id is not None}


@dataclass(frozen=True)
class Case:
    """One catalogue object as the manifest lists it."""

    case: str
    description: str
    entity: int | None = None
    version: int | None = None
    handle: str | None = None


@dataclass
class Catalogue:
    """Everything the emulator serves; built once, read-only while serving."""

    users: dict[str, User] = field(default_factory=dict)
    entities: dict[int, Entity] = field(default_factory=dict)
    handles: dict[str, FileHandle] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    invalid_token: str = ""
    by_token: dict[str, User] = field(default_factory=dict)

    def add_user(self, user: User) -> None:
        self.users[user.name] = user
        self.by_token[user.token] = user
