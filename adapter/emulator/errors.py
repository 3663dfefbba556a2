"""Synapse's error answers: the exception handlers raise, its JSON body, and the exact messages."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

ERROR_RESPONSE = "org.sagebionetworks.repo.model.ErrorResponse"
REALM = 'Bearer realm="Synapse Repository Services"'

LACK_READ = "You lack READ access to the requested entity."
LACK_DOWNLOAD = "You lack DOWNLOAD access to the requested entity."
ANONYMOUS_READ_ONLY = "Anonymous users have only READ access permission."
UNMET_REQUIREMENTS = (
    "There are unmet access requirements that must be met to read content in the requested "
    "container."
)
INVALID_TOKEN = "Invalid access token"  # noqa: S105 - an error message, not a secret
MAINTENANCE = "Synapse is down for maintenance."
OVERLOADED = "Service temporarily unavailable, please try again later."
BATCH_LIMIT = 100
BATCH_TOO_BIG = f"Request exceeds the maximum number of objects per request: {BATCH_LIMIT}"
BATCH_NOTHING = "Must include either FileHandles or pre-signed URLs or preview pre-signed URLs"
URL_NOT_CREATOR = "Only the user that created the FileHandle can get the URL of the file."
# AuthorizationManagerImpl.validate (two spaces after the full stop, as in Synapse).
BATCH_EMPTY = "FileHandleAssociations is empty.  Must include at least one FileHandleAssociation"
# What Spring 5.3 (Synapse's) says, through BaseControllerExceptionHandlerAdvice.
API_DOCS = "https://rest-docs.synapse.org/rest/"


def no_handler(method: str) -> SynapseError:
    """NoHandlerFoundException: Synapse names the method, not the path."""
    return SynapseError(
        404, f"{method} was not found. Please reference API documentation at {API_DOCS}"
    )


def method_not_supported(method: str) -> SynapseError:
    """HttpRequestMethodNotSupportedException's message in Spring 5.3."""
    return SynapseError(405, f"Request method '{method}' not supported")


def missing_parameter(name: str, java_type: str) -> SynapseError:
    """MissingServletRequestParameterException's message in Spring 5.3."""
    return bad_request(
        f"Required request parameter '{name}' for method parameter type {java_type} is not present"
    )


class SynapseError(Exception):
    """An error answer with Synapse's status, `reason` and any OAuth fields or headers."""

    def __init__(
        self,
        status: int,
        reason: str,
        *,
        concrete_type: str | None = ERROR_RESPONSE,
        extra: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.concrete_type = concrete_type
        self.extra = extra or {}
        self.headers = headers or {}

    def response(self) -> web.Response:
        body: dict[str, Any] = {"concreteType": self.concrete_type} if self.concrete_type else {}
        body["reason"] = self.reason
        body.update(self.extra)
        return json_response(body, status=self.status, headers=self.headers)


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON the way Synapse writes it: compact, UTF-8, null fields already left out."""
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
        charset="UTF-8",
        headers=headers,
    )


def bad_request(reason: str) -> SynapseError:
    return SynapseError(400, reason)


def forbidden(reason: str) -> SynapseError:
    return SynapseError(403, reason)


def not_found(reason: str) -> SynapseError:
    return SynapseError(404, reason)


def invalid_token() -> SynapseError:
    return SynapseError(401, INVALID_TOKEN, headers={"WWW-Authenticate": REALM})


def insufficient_scope(scope: str) -> SynapseError:
    description = f"Request lacks scope(s) required by this service: {scope}"
    # OAuthScopeInterceptor writes this body itself: no concreteType, unlike ErrorResponse.
    return SynapseError(
        403,
        f"insufficient_scope. {description}",
        concrete_type=None,
        extra={"error": "insufficient_scope", "error_description": description},
    )


def entity_missing(entity_id: str) -> SynapseError:
    return not_found(f"Resource: '{entity_id}' does not exist")


def version_missing(entity_id: str, version: int) -> SynapseError:
    return not_found(f"Cannot find a node with id {entity_id} and version {version}")


def in_trash(entity_id: str) -> SynapseError:
    return not_found(f"Entity {entity_id} is in trash can.")


def handle_missing(handle_id: str) -> SynapseError:
    return not_found(f"FileHandle: '{handle_id}' cannot be found")


def handle_not_creator(handle_id: str, user_id: str) -> SynapseError:
    # Synapse's message really has two spaces after "ID.".
    return forbidden(
        "Only the creator of a FileHandle can access it directly by its ID.  "
        f"FileHandleId = '{handle_id}', UserId = '{user_id}'"
    )


def not_associated(handle_id: str, object_id: str, object_type: str) -> SynapseError:
    return forbidden(
        f"FileHandleId: {handle_id} is not associated with objectId: {object_id} "
        f"of type: {object_type}"
    )
