"""The Synapse endpoints the client calls, and the request bodies that never change
(docs/synapse.md, "Endpoints")."""

from __future__ import annotations

from typing import NamedTuple

import orjson


class Endpoint(NamedTuple):
    """A Synapse endpoint: its method, its path template, and its name in metrics and logs
    (the template, so labels stay few)."""

    method: str
    template: str
    name: str


def _endpoint(method: str, template: str) -> Endpoint:
    return Endpoint(method, template, f"{method} {template}")


BUNDLE2 = _endpoint("POST", "/repo/v1/entity/{id}/version/{version}/bundle2")
FILE_HANDLE = _endpoint("GET", "/file/v1/fileHandle/{id}")
FILE_HANDLE_URL = _endpoint("GET", "/file/v1/fileHandle/{id}/url")
FILE_URL = _endpoint("GET", "/file/v1/file/{id}")
BATCH = _endpoint("POST", "/file/v1/fileHandle/batch")
WHO_AM_I = "/repo/v1/userProfile"

# The restriction information says whether an unmet access requirement is what withholds the
# file handles (docs/behaviour.md §4).
BUNDLE_REQUEST = orjson.dumps(
    {"includeEntity": True, "includeFileHandles": True, "includeRestrictionInformation": True}
)
BATCH_LIMIT = 100  # Synapse refuses more than 100 items in one fileHandle/batch call
