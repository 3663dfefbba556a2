"""What Synapse's failures mean to a DRS caller: Synapse's statuses and batch failure codes
mapped onto the service's error tree (docs/behaviour.md §7)."""

from __future__ import annotations

from pydantic import ValidationError

from adapter.errors import (
    AdapterError,
    BadGateway,
    BadRequest,
    Conflict,
    Forbidden,
    GatewayTimeout,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from adapter.synapse.models import ARCHIVED, BatchItem, ErrorResponse

# Synapse's own words reach the caller unchanged for these statuses.
_PASSED_THROUGH: dict[int, type[AdapterError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
}

# Synapse retries nothing for us: these statuses are worth another attempt.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})

# The per-item failure codes of a fileHandle/batch answer.
_BATCH_FAILURES: dict[str, type[AdapterError]] = {"UNAUTHORIZED": Forbidden, "NOT_FOUND": NotFound}


def from_status(status: int, reason: str | None) -> AdapterError:
    """The error a DRS caller sees for a Synapse error answer (`reason` is Synapse's text)."""
    passed = _PASSED_THROUGH.get(status)
    if passed is not None:
        return passed(reason or f"Synapse answered {status}")
    if status == 429:
        return ServiceUnavailable(f"Synapse is throttling requests: {reason or 'try again later'}")
    if status == 503:
        return ServiceUnavailable(f"Synapse is unavailable: {reason or 'try again later'}")
    if status == 504:
        return GatewayTimeout("Synapse did not answer in time")
    return BadGateway(f"Synapse answered with an unexpected status {status}")


def from_batch_failure(code: str, handle: int) -> AdapterError:
    """The error for one item of a fileHandle/batch answer that Synapse could not sign."""
    failure = _BATCH_FAILURES.get(code, BadGateway)
    return failure(f"Synapse could not sign file handle {handle}: {code}")


def archived(handle: int | str) -> Conflict:
    """A file whose handle Synapse ARCHIVED: storage refuses its bytes until it is restored, so
    the service hands out no URL (docs/behaviour.md §5)."""
    return Conflict(
        f"The file (file handle {handle}) is archived: Synapse keeps its bytes in archive "
        "storage, which does not serve downloads. The user who uploaded it can restore it "
        "in Synapse (a restore can take hours); it can be downloaded once restored."
    )


def malformed(exc: ValidationError) -> BadGateway:
    """Synapse answered, but not with something we can read: say which field is wrong."""
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return BadGateway(f"Synapse sent a malformed answer: {where}: {error['msg']}")


def too_large(cap: int) -> BadGateway:
    return BadGateway(f"Synapse sent an answer larger than {cap} bytes")


# A Synapse that cannot be connected to is a temporary outage for the caller: 503, and when
# to try again (RetryPolicy.unreachable_attempts bounds how long we try first).
UNREACHABLE_RETRY_AFTER_S = 5


def unreachable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "Synapse is unreachable: try again later", retry_after_s=UNREACHABLE_RETRY_AFTER_S
    )


def batch_outcome(item: BatchItem, handle: int) -> str | AdapterError:
    """One fileHandle/batch item: its URL, or the error that stands for its failure."""
    if item.fileHandleId != str(handle):
        return BadGateway("Synapse answered a batch out of order")
    if item.failureCode is not None:
        return from_batch_failure(item.failureCode, handle)
    if item.fileHandle is not None and item.fileHandle.status == ARCHIVED:
        return archived(handle)
    if item.preSignedURL is None:
        return BadGateway("Synapse answered a batch item without a URL")
    return item.preSignedURL


def reason(body: bytes) -> str | None:
    """Synapse's `reason` from an error body, or None when the body is not one."""
    try:
        return ErrorResponse.model_validate_json(body).reason
    except ValidationError:
        return None
