"""Pydantic models of the Synapse JSON the adapter reads (docs/synapse.md).

Only the fields something reads are declared: a field Synapse might leave out, and that
nothing needs, would otherwise turn a usable answer into a 502.
"""

from __future__ import annotations

from typing import Annotated, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from typing_extensions import TypedDict

FILE_ENTITY = "org.sagebionetworks.repo.model.FileEntity"
DATASET = "org.sagebionetworks.repo.model.table.Dataset"
# FileHandleStatus: AVAILABLE, UNLINKED (nothing links to it yet), ARCHIVED (bytes in archive
# storage until its creator restores them).
ARCHIVED = "ARCHIVED"


class SynapseModel(BaseModel):
    """Synapse adds fields over time: keep what we use, ignore the rest."""

    model_config = ConfigDict(extra="ignore", frozen=True)


M = TypeVar("M", bound=SynapseModel)


class Answer(NamedTuple, Generic[M]):
    """A validated Synapse answer and the JSON it was read from (the shared cache keeps that)."""

    value: M
    json: bytes


# Synapse's sizes are Java longs, and never negative: anything else is a malformed answer
# (an integer past 2^64 cannot even be written as JSON by orjson).
Size = Annotated[int, Field(ge=0, lt=2**63)]


class DatasetItem(TypedDict):
    """One Dataset member. A TypedDict, not a model: a Dataset holds up to 30,000 of them, and
    pydantic-core checks plain dicts (the id's grammar included) without a Python object each."""

    entityId: Annotated[str, StringConstraints(pattern=r"^syn[0-9]+$")]
    versionNumber: Annotated[int, Field(ge=1)]


class Entity(SynapseModel):
    name: str
    concreteType: str
    description: str | None = None
    createdOn: str
    modifiedOn: str | None = None
    dataFileHandleId: str | None = None
    # Dataset only: Synapse computes size and checksum over its items.
    items: list[DatasetItem] | None = None
    size: Size | None = None
    checksum: str | None = None


class FileHandle(SynapseModel):
    id: str
    fileName: str
    createdOn: str
    modifiedOn: str | None = None
    contentType: str | None = None
    contentMd5: str | None = None
    contentSize: Size | None = None
    status: str | None = None


class HandleStatus(SynapseModel):
    """The one field of a file handle a signed batch item is read for."""

    status: str | None = None


class RestrictionInformation(SynapseModel):
    """Whether an access requirement holds the caller back (RestrictionInformationResponse)."""

    hasUnmetAccessRequirement: bool = False


class EntityBundle(SynapseModel):
    entity: Entity
    fileHandles: list[FileHandle] = Field(default_factory=list)
    restrictionInformation: RestrictionInformation | None = None

    def data_file_handle(self) -> FileHandle | None:
        """The entity's data file handle; the bundle may also carry its preview, which is not it."""
        wanted = self.entity.dataFileHandleId
        return next((fh for fh in self.fileHandles if fh.id == wanted), None)


class BatchItem(SynapseModel):
    fileHandleId: str
    fileHandle: HandleStatus | None = None
    preSignedURL: str | None = None
    failureCode: str | None = None


class BatchResult(SynapseModel):
    requestedFiles: list[BatchItem] = Field(default_factory=list)


class ErrorResponse(SynapseModel):
    reason: str | None = None
