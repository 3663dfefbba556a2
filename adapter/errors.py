"""The error tree: every failure the service can answer with, and its HTTP status.

    AdapterError                     any answer that is not a success; carries `status` and `msg`
    ├── BadRequest            400    bad id, access id, query or body; Synapse's own 400
    ├── Unauthorized          401    bad or unsupported credentials (adds WWW-Authenticate)
    ├── Forbidden             403    no permission, missing scope, unmet access requirement
    ├── NotFound              404    no such object, in trash, unknown path
    ├── Conflict              409    the file is archived: its bytes cannot be served now
    ├── RequestTimeout        408    a request body that did not arrive in time
    ├── PayloadTooLarge       413    body or bulk request over its limit
    ├── UnsupportedMediaType  415    a request body that is not JSON
    ├── TooManyRequests       429    over the caller's share of the metadata credential's budget
    └── UpstreamError                Synapse could not give a usable answer
        ├── BadGateway        502    Synapse 5xx, malformed answer, connection error
        ├── ServiceUnavailable 503   Synapse throttling or maintenance outlasting the retries
        └── GatewayTimeout    504    Synapse did not answer in time

Handlers and the resolver raise these (adapter/synapse/errors.py says which Synapse answer
becomes which); one middleware turns them, and aiohttp's own 404, 405 and 413, into the DRS
`Error` body, whose `status_code` always equals the HTTP status.
"""

from __future__ import annotations

from typing import ClassVar


class AdapterError(Exception):
    """Base of the tree: an answer with a status and a message safe to show the caller."""

    status: ClassVar[int] = 500

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg

    def headers(self) -> dict[str, str]:
        """Extra response headers this error asks for."""
        return {}


class BadRequest(AdapterError):
    status = 400


class Unauthorized(AdapterError):
    status = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="Synapse DRS adapter"'}


class Forbidden(AdapterError):
    status = 403


class NotFound(AdapterError):
    status = 404


class Conflict(AdapterError):
    """A valid, authorised request the file's current state prevents (docs/behaviour.md §5)."""

    status = 409


class RequestTimeout(AdapterError):
    status = 408


class PayloadTooLarge(AdapterError):
    status = 413


class UnsupportedMediaType(AdapterError):
    status = 415


class TooManyRequests(AdapterError):
    """The caller has spent its share of a shared budget; `Retry-After` says when to retry."""

    status = 429

    def __init__(self, msg: str, retry_after_s: int = 1) -> None:
        super().__init__(msg)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class UpstreamError(AdapterError):
    status = 502


class BadGateway(UpstreamError):
    status = 502


class ServiceUnavailable(UpstreamError):
    status = 503

    def __init__(self, msg: str, retry_after_s: int = 5) -> None:
        super().__init__(msg)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class GatewayTimeout(UpstreamError):
    status = 504
