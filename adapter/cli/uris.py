"""Where an object lives: `drs://host/id` or a bare id, turned into a DRS base URL and an id.

By the DRS spec a hostname-based URI `drs://host/id` resolves to `https://host/ga4gh/drs/v1/`;
`--server URL` replaces that base for every object (plain http, another port, a test stack).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

DRS_PATH = "/ga4gh/drs/v1"
SCHEME = "drs://"


class UsageError(Exception):
    """Input the command cannot act on; its message is shown as is, with exit status 2."""


@dataclass(frozen=True, slots=True)
class Target:
    """One object to fetch: the DRS base URL that serves it and its id there."""

    base: str
    object_id: str

    @property
    def object_url(self) -> str:
        return f"{self.base}/objects/{quote(self.object_id, safe='')}"


def server_base(server: str) -> str:
    """`http://127.0.0.1:8080` or `.../ga4gh/drs/v1`: the DRS base URL, without a final slash."""
    base = server.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--server must be an http(s) URL, not {server!r}")
    return base if base.endswith(DRS_PATH) else f"{base}{DRS_PATH}"


def resolve(text: str, server: str | None) -> Target:
    """A DRS URI or a bare id, and the server to ask for it."""
    value = text.strip()
    if not value:
        raise UsageError("an empty id")
    if value[: len(SCHEME)].lower() == SCHEME:
        host, sep, object_id = value[len(SCHEME) :].partition("/")
        if not sep or not host or not object_id:
            raise UsageError(
                f"{value}: expected drs://HOST/ID (compact identifiers such as "
                "drs://prefix:accession need a resolver; give --server and the id instead)"
            )
        if any(c in host for c in "@?# \t"):
            raise UsageError(f"{value}: not a host name: {host!r}")
        base = server_base(server) if server else f"https://{host}{DRS_PATH}"
        return Target(base, unquote(object_id))
    if server is None:
        raise UsageError(f"{value}: a bare id needs --server URL (or give drs://HOST/{value})")
    return Target(server_base(server), value)


def read_manifest(lines: list[str], server: str | None) -> list[Target]:
    """A manifest: one DRS URI or id a line; blank lines and `#` comments are skipped."""
    targets = []
    for line in lines:
        entry = line.split("#", 1)[0].strip()
        if entry:
            targets.append(resolve(entry, server))
    return targets
