"""A product's API as an OAuth resource server: who may call it with which token.

``ResourceServer(issuer, audience, product).authenticate(authorization_header)``
accepts a request whose ``Authorization: Bearer`` token (RFC 6750 §2.1) is an
access token of the IdP (RFC 9068: ``typ`` ``at+jwt``, ``iss``, signature,
``exp``) whose ``aud`` contains this product's audience, issued to a person
whose plan includes the product. The IdP puts every entitled product's audience
in ``aud``, so a token from Building works at Project's API exactly when the
plan includes Project, and an API outside the plan refuses it by the ordinary
audience check.

Refusals are ``BearerError`` with the RFC 6750 §3.1 error code and status:
no or malformed credentials → 401 ``invalid_request`` (or no error code when
none were sent, §3.1); a token that is not valid here (signature, ``aud``,
expiry...) → 401 ``invalid_token``; a valid token whose plan lacks the
product → 403 ``insufficient_scope``; the IdP's keys cannot be had (never fetched,
or the IdP has been away longer than the kit keeps a copy) → 503
``temporarily_unavailable``.
"""

from __future__ import annotations

import re

from .discovery import Discovery
from .errors import DiscoveryError, NotEntitled, RPError, TokenRejected
from .http import session
from .jwks_cache import ALGS, JWKSCache, http_fetcher
from .plan import Plan
from .tokens import DEFAULT_LEEWAY, validate_access_token

BEARER = re.compile(r"^Bearer +([A-Za-z0-9\-._~+/]+=*) *$")  # RFC 6750 §2.1 b64token


class BearerError(RPError):
    """A refused API call: ``status`` 401/403, RFC 6750 ``error`` and a description."""

    reason = "bearer"

    def __init__(self, status: int, error: str | None, description: str):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def www_authenticate(self, realm: str) -> str:
        """The ``WWW-Authenticate`` challenge (RFC 6750 §3)."""
        parts = [f'realm="{realm}"']
        if self.error:
            safe = self.description.replace("\\", "").replace('"', "'")
            parts += [f'error="{self.error}"', f'error_description="{safe}"']
        return "Bearer " + ", ".join(parts)


class ResourceServer:
    """Validate bearer tokens for one product API."""

    def __init__(self, issuer: str, audience: str, product: str | None = None, *,
                 jwks: JWKSCache | None = None, algorithms=ALGS, leeway: int = DEFAULT_LEEWAY,
                 http=None):
        self.issuer, self.audience, self.product, self.leeway = issuer, audience, product, leeway
        if jwks is None:
            http = http or session(keep_cookies=False)
            discovery = Discovery(issuer, http=http)
            jwks = JWKSCache(http_fetcher(lambda: discovery["jwks_uri"], http=http),
                             algorithms=algorithms)
        self.jwks = jwks

    def authenticate(self, authorization: str | None) -> dict:
        """Return the access token's claims; raise BearerError saying why it is refused."""
        if not authorization:
            raise BearerError(401, None, "an access token is required")
        match = BEARER.match(authorization)
        if match is None:
            raise BearerError(401, "invalid_request", "malformed Authorization header")
        try:
            claims = validate_access_token(match.group(1), jwks=self.jwks, issuer=self.issuer,
                                           audience=self.audience, leeway=self.leeway)
        except TokenRejected as exc:
            raise BearerError(401, "invalid_token", str(exc)) from exc
        except DiscoveryError as exc:  # not the caller's fault: no challenge, try again
            raise BearerError(503, "temporarily_unavailable",
                              "the IdP's keys cannot be fetched now") from exc
        if self.product is not None:
            try:
                Plan.from_claims(claims).require_product(self.product)
            except NotEntitled as exc:
                raise BearerError(403, "insufficient_scope", exc.description) from exc
        return claims
