"""Bearer tokens as Synapse issues and checks them: JWT-shaped PATs, scopes, the anonymous user."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Set
from dataclasses import dataclass

from aiohttp import web

from adapter.emulator import errors
from adapter.emulator.model import ANONYMOUS, ANONYMOUS_ID, Catalogue, User

VIEW = "view"
DOWNLOAD_SCOPE = "download"
MODIFY = "modify"
ISSUER = "https://repo-prod.prod.sagebase.org/auth/v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(secret: bytes, user_id: str, scopes: list[str], token_id: str) -> str:
    """A personal access token shaped like Synapse's: a signed JWT whose body lists its scopes.

    synapseclient decodes the body and refuses a token without the `view` scope, so the shape
    matters; the emulator itself only looks tokens up, it never trusts a body it did not issue.
    """
    header = {"typ": "JWT", "kid": "emulator", "alg": "HS256"}
    body = {
        "access": {"scope": scopes, "oidc_claims": {}},
        "token_type": "PERSONAL_ACCESS_TOKEN",
        "iss": ISSUER,
        "aud": "0",
        "sub": user_id,
        "iat": 1704067200,
        "jti": token_id,
    }
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(body).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


@dataclass(frozen=True)
class Caller:
    """Who is calling: a user with a token, or anonymous (no Authorization header)."""

    user: User | None

    @property
    def name(self) -> str:
        return self.user.name if self.user is not None else ANONYMOUS

    @property
    def id(self) -> str:
        return self.user.id if self.user is not None else ANONYMOUS_ID

    def require_scope(self, scope: str) -> None:
        """Scopes are checked per endpoint before any permission; anonymous has no token."""
        if self.user is not None and scope not in self.user.scopes:
            raise errors.insufficient_scope(scope)


CALLER = web.RequestKey("emulator_caller", Caller)


def identify(request: web.Request, catalogue: Catalogue, revoked: Set[str] = frozenset()) -> Caller:
    """The caller named by the Authorization header, or Synapse's 401 for a token it rejects
    (one it never issued, or one `revoked` since)."""
    header = request.headers.get("Authorization")
    # Synapse matches the scheme case-sensitively: "bearer x" is silently anonymous.
    if header is None or not header.startswith("Bearer "):
        return Caller(None)
    token = header[len("Bearer ") :].strip()
    user = catalogue.by_token.get(token)
    if user is None or token in revoked:
        raise errors.invalid_token()
    return Caller(user)


def caller_of(request: web.Request) -> Caller:
    return request[CALLER]
