"""The seed catalogues: the demo (one object per case of docs/behaviour.md) and generated files."""

from __future__ import annotations

import hashlib
import random
from typing import Any

from adapter.emulator.auth import DOWNLOAD_SCOPE, MODIFY, VIEW
from adapter.emulator.blobs import ARCHIVE_TAG_MIN_SIZE, BlobStore
from adapter.emulator.builder import RD, CatalogueBuilder, R
from adapter.emulator.config import EmulatorConfig
from adapter.emulator.model import (
    ARCHIVED,
    AUTHENTICATED_USERS,
    PUBLIC_GROUP,
    UNLINKED,
    Case,
    Catalogue,
    Entity,
    User,
)

# The account that uploaded the demo's files: a curator the manifest has no token for. Synapse
# lets a handle's creator download it through any association, so if alice (who owns every
# entity) had created the handles, no refusal of hers would ever show.
CURATOR_ID = "3350100"


def _bytes(label: str, size: int) -> bytes:
    """Deterministic, incompressible-looking bytes, so every file has its own md5."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{label}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def build_catalogue(config: EmulatorConfig, secret: bytes, blobs: BlobStore) -> Catalogue:
    b = CatalogueBuilder(secret, blobs)
    users = {
        "alice": b.user("alice", "3350001", [VIEW, DOWNLOAD_SCOPE, MODIFY]),
        "bob": b.user("bob", "3350002", [VIEW, DOWNLOAD_SCOPE, MODIFY]),
        "carol": b.user("carol", "3350003", [VIEW]),
        "dave": b.user("dave", "3350004", [VIEW, DOWNLOAD_SCOPE]),
        "service": b.user("service", "3350005", [VIEW]),
    }
    b.invalid_token()
    if config.seed == "demo":
        _demo(b, users)
    generated = max(config.files, config.dataset_items)
    if generated:
        _generated(b, users["alice"], generated, config.dataset_items)
    if config.large_file_mib:
        _large(b, users["alice"], config.large_file_mib)
    return b.catalogue


class _Demo:
    """Adds the demo's objects, all owned by alice, their file handles uploaded by a curator."""

    def __init__(self, b: CatalogueBuilder, users: dict[str, User]) -> None:
        self.b = b
        self.u = users
        self.cases = b.catalogue.cases
        u = users
        self.team = {u["bob"].id: R, u["carol"].id: R, u["dave"].id: R, u["service"].id: R}
        self.private = {u["bob"].id: R, u["carol"].id: RD, u["dave"].id: RD, u["service"].id: RD}
        self.project = self.container("project", "project", "DRS demo project", None)
        self.folder = self.container("folder", "folder", "data", self.project)

    def container(self, case: str, kind: str, name: str, parent: Entity | None) -> Entity:
        summary = f"A {kind.capitalize()}: not a DRS object"
        entity = self.b.entity(
            kind, name, self.u["alice"], self.team, parent=parent, description=summary
        )
        self.cases.append(Case(case, summary, entity.number, 1))
        return entity

    def file(
        self,
        case: str,
        summary: str,
        acl: dict[str, frozenset[str]],
        name: str,
        data: bytes,
        content_type: str = "text/plain",
        *,
        creator: str = CURATOR_ID,
        **handle_options: Any,
    ) -> Entity:
        alice = self.u["alice"]
        entity = self.b.entity("file", name, alice, acl, parent=self.folder, description=summary)
        handle = self.b.handle(creator, name, content_type, data, **handle_options)
        self.cases.append(Case(case, summary, entity.number, self.b.file_version(entity, handle)))
        return entity

    def dataset(
        self, case: str, name: str, summary: str, items: list[tuple[Entity, int]] | None
    ) -> Entity:
        u = self.u
        acl = {u["bob"].id: R, u["carol"].id: RD, u["dave"].id: RD, u["service"].id: RD}
        entity = self.b.entity(
            "dataset",
            name,
            u["alice"],
            acl,
            parent=self.project,
            description=summary,
        )
        self.cases.append(Case(case, summary, entity.number, self.b.dataset_version(entity, items)))
        return entity


def _demo(b: CatalogueBuilder, u: dict[str, User]) -> None:
    """One object per case of docs/behaviour.md; the manifest's `summary` says what each shows."""
    demo = _Demo(b, u)
    alice, bob, dave, service = u["alice"], u["bob"], u["dave"], u["service"]
    public = demo.file(
        "public_file",
        "Public: READ for anonymous, DOWNLOAD for every signed-in user",
        {PUBLIC_GROUP: R, AUTHENTICATED_USERS: RD},
        "public.txt",
        b"A public file: anyone may read it, any signed-in user may download it.\n",
    )
    private = demo.file(
        "private_file",
        "Private: bob may read, carol and dave and service may download",
        demo.private,
        "private.bin",
        _bytes("private", 100_000),
        "application/octet-stream",
    )
    demo.file(
        "readable_not_downloadable",
        "Readable but not downloadable by bob and dave",
        {bob.id: R, dave.id: R, service.id: RD},
        "readonly.txt",
        b"bob and dave may read this entity but not download it.\n",
    )
    multi = b.entity(
        "file",
        "versions.txt",
        alice,
        demo.private,
        parent=demo.folder,
        description="A file with three versions",
    )
    for v in (1, 2, 3):
        data = f"version {v} of a file with three versions\n".encode() * v
        number = b.file_version(
            multi, b.handle(CURATOR_ID, "versions.txt", "text/plain", data), comment=f"version {v}"
        )
        demo.cases.append(
            Case(f"multi_version_v{v}", f"Version {v} of three", multi.number, number)
        )
    preview = b.handle(CURATOR_ID, "preview.csv", "text/csv", b"id,value\n1,a\n", is_preview=True)
    table = "".join(f"{i},{i * i}\n" for i in range(2000)).encode()
    demo.file(
        "preview_file",
        "A file whose bundle lists its preview handle first",
        demo.private,
        "table.csv",
        b"id,value\n" + table,
        "text/csv",
        preview_id=preview.id,
    )
    hidden = demo.file(
        "dataset_hidden_item",
        "A dataset item that dave cannot read",
        {service.id: RD},
        "hidden.txt",
        b"dave cannot read this item.\n",
    )
    demo.dataset(
        "dataset",
        "Demo dataset",
        "A Dataset of four file versions, one of which dave cannot read",
        [(public, 1), (private, 1), (multi, 2), (hidden, 1)],
    )
    demo.dataset("empty_dataset", "Empty dataset", "A Dataset with no items", None)
    trashed = demo.file(
        "trashed_file",
        "In the trash can: every call is 404",
        demo.private,
        "trashed.txt",
        b"This file is in the trash can.\n",
    )
    trashed.trashed = True
    demo.file(
        "external_file",
        "An ExternalFileHandle: its URL is returned unsigned",
        demo.private,
        "external.txt",
        b"Bytes behind an ExternalFileHandle: the URL is not signed.\n",
        external=True,
    )
    restricted = demo.file(
        "unmet_access_requirement",
        "Controlled access: bob may download but has not met the access requirement",
        {bob.id: RD, service.id: RD},
        "restricted.txt",
        b"Controlled access: an access requirement must be met first.\n",
    )
    b.requirement(restricted, met_by=[alice, service])
    raw = b.handle(alice.id, "raw.txt", "text/plain", b"A file handle attached to no entity.\n")
    demo.cases.append(
        Case("raw_file_handle", "A file handle only its creator may see", handle=raw.id)
    )
    _synapse_cases(demo)


def _synapse_cases(demo: _Demo) -> None:
    """The cases real Synapse users hit: creators, URL-only files, handle states, open data."""
    u = demo.u
    bob, dave, service = u["bob"], u["dave"], u["service"]
    demo.file(
        "creator_download",
        "dave uploaded it and may only READ the entity, yet downloads it as the handle's creator",
        {bob.id: R, dave.id: R, service.id: RD},
        "uploaded-by-dave.txt",
        b"dave created this file handle; alice owns the entity.\n",
        creator=dave.id,
    )
    no_md5 = demo.file(
        "external_file_no_md5",
        "An ExternalFileHandle made from a URL: no contentMd5, no contentSize",
        demo.private,
        "linked.txt",
        b"Bytes behind a URL Synapse never read: it knows neither their md5 nor their size.\n",
        external=True,
        checksummed=False,
    )
    demo.file(
        "archived_file",
        "A file handle Synapse ARCHIVED: the URL is signed, storage refuses the bytes",
        demo.private,
        "archived.bin",
        _bytes("archived", ARCHIVE_TAG_MIN_SIZE + 4096),
        "application/octet-stream",
        status=ARCHIVED,
    )
    demo.file(
        "unlinked_file",
        "A file handle Synapse marked UNLINKED: still served, as nothing is archived yet",
        demo.private,
        "unlinked.txt",
        b"Synapse marked this file handle UNLINKED; its bytes are still in place.\n",
        status=UNLINKED,
    )
    open_data = demo.file(
        "open_data_file",
        "Open data: READ for anonymous, and READ is enough to download",
        {PUBLIC_GROUP: R},
        "open.txt",
        b"Open data: anyone who may read this file may download it, signed in or not.\n",
    )
    open_data.open_data = True
    demo.dataset(
        "dataset_no_md5",
        "Dataset of URL-linked files",
        "A Dataset whose items have no md5: Synapse gives it no checksum, and size 0",
        [(no_md5, 1)],
    )
    # An upload nothing ever linked to: Synapse marks such a handle UNLINKED, then ARCHIVED.
    archived_raw = demo.b.handle(
        u["alice"].id,
        "never-linked.bin",
        "application/octet-stream",
        _bytes("archived-raw", ARCHIVE_TAG_MIN_SIZE + 1024),
        status=ARCHIVED,
    )
    demo.cases.append(
        Case(
            "archived_raw_file_handle",
            "alice's upload nothing links to, ARCHIVED: the URL is signed, storage refuses it",
            handle=archived_raw.id,
        )
    )


def _generated(b: CatalogueBuilder, owner: User, count: int, dataset_items: int) -> None:
    """`count` small public files; the generated Dataset takes the first `dataset_items`."""
    cases = b.catalogue.cases
    project = b.entity("project", "Generated files", owner, {PUBLIC_GROUP: R})
    files = []
    for i in range(count):
        name = f"generated_{i:05d}.txt"
        entity = b.entity("file", name, owner, {PUBLIC_GROUP: R}, parent=project)
        handle = b.handle(owner.id, name, "text/plain", f"generated file {i}\n".encode())
        b.file_version(entity, handle)
        files.append(entity)
        cases.append(Case("generated_file", f"Generated file {i}", entity.number, 1))
    if dataset_items:
        dataset = b.entity(
            "dataset",
            "Generated dataset",
            owner,
            {PUBLIC_GROUP: R},
            parent=project,
            description=f"{dataset_items} generated items",
        )
        number = b.dataset_version(dataset, [(f, 1) for f in files[:dataset_items]])
        cases.append(Case("generated_dataset", "A generated Dataset", dataset.number, number))


def _large(b: CatalogueBuilder, owner: User, mib: int) -> None:
    """One file of `mib` MiB that every signed-in user may download (cheap random bytes)."""
    project = b.entity("project", "Large file", owner, {AUTHENTICATED_USERS: RD})
    name = "large.bin"
    entity = b.entity("file", name, owner, {AUTHENTICATED_USERS: RD}, parent=project)
    rng = random.Random(mib)
    data = b"".join(rng.randbytes(1 << 20) for _ in range(mib))
    handle = b.handle(owner.id, name, "application/octet-stream", data)
    b.catalogue.cases.append(
        Case("large_file", f"A {mib} MiB file", entity.number, b.file_version(entity, handle))
    )
