"""Validate the service's real responses against the official DRS 1.5.0 OpenAPI document."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

from adapter import DRS_BASE
from adapter.routes import OPENAPI_DOCUMENT

# The official document, from the reference material beside the checkout (as CI lays it out).
SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "spec" / "drs-openapi-1.5.0.yaml"
# The copy the service serves: the official document with its own `servers`. A clone alone,
# without the reference material beside it, validates against this one.
BUNDLED_SPEC_PATH = OPENAPI_DOCUMENT
HOST_URL = "https://drs.example.org"


@cache
def _spec_dict() -> dict[str, Any]:
    if SPEC_PATH.exists():
        official: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
        return official
    bundled: dict[str, Any] = yaml.safe_load(BUNDLED_SPEC_PATH.read_text())
    bundled["servers"] = [{"url": HOST_URL + DRS_BASE}]  # the official server, its default
    return bundled


@cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(_spec_dict())


def _declared_statuses(path_pattern: str, method: str) -> set[str]:
    operation = _spec_dict()["paths"][path_pattern][method.lower()]
    return set(operation["responses"])


def validate_component(name: str, body: Any) -> None:
    """Validate `body` against `#/components/schemas/<name>` (raises on any violation)."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": _spec_dict()["components"]}
    OAS30Validator(schema).validate(body)


def validate_drs_response(
    method: str,
    path: str,
    path_pattern: str,
    status: int,
    body: bytes,
    *,
    query: dict[str, str] | None = None,
    request_body: bytes | None = None,
) -> None:
    """Validate a real answer against the operation it came from, as the spec declares it.

    Statuses the spec does not list for the operation (502, 503, 504, 405, 413) are still
    DRS `Error` bodies: those are validated against the `Error` schema itself.
    """
    data = json.loads(body)
    if str(status) not in _declared_statuses(path_pattern, method):
        validate_component("Error", data)
        assert data["status_code"] == status
        return
    request = MockRequest(
        HOST_URL,
        method.lower(),
        path,
        path_pattern=DRS_BASE + path_pattern,
        args=query,
        data=request_body,
    )
    response = MockResponse(body, status_code=status)
    _openapi().validate_response(request, response)
    if status >= 400:
        assert data["status_code"] == status


__all__ = ["ValidationError", "validate_component", "validate_drs_response"]
