"""The relying-party kit: what a Tomps product app needs to trust the IdP.

Installable on its own (``pip install ./rp``: distribution ``tomps-identity-rp``,
depending on joserfc and requests only; ``[flask]`` adds Flask) — nothing here
imports the IdP server. See docs/rp-kit.md.

- ``client.py``: ``OIDCClient`` — the code flow with PKCE S256, state and nonce; refresh;
  RP-initiated logout URLs; logout and access token validation.
- ``discovery.py`` / ``jwks_cache.py``: the IdP's metadata and keys, cached per
  Cache-Control; an unknown ``kid`` is refetched at most once a minute.
- ``tokens.py``: ID-token (OIDC Core §3.1.3.7) and RFC 9068 access-token validation.
- ``backchannel.py``: logout-token validation (Back-Channel Logout 1.0 §2.6).
- ``plan.py``: ``require_product`` and ``limit`` over the plan claims (the claims contract).
- ``resource.py``: ``ResourceServer``, bearer-token checks for a product API (aud, product).
- ``sessions.py``: server-side RP sessions, indexed by the IdP's sid and sub.
- ``flask.py``: ``RelyingParty``, the Flask integration (decorators, sessions, refresh);
  ``flask_views.py``: its five routes.
- ``http.py``: HTTP that treats ``localhost`` names as loopback (RFC 6761 §6.3).
- ``errors.py``: every failure, typed.
"""

from .errors import (
    AlgorithmNotAllowed,
    AtHashMismatch,
    DiscoveryError,
    Expired,
    InvalidSignature,
    IssuedInFuture,
    LoginError,
    LogoutTokenError,
    MalformedToken,
    MissingClaim,
    NonceMismatch,
    NotEntitled,
    RPError,
    TokenEndpointError,
    TokenRejected,
    UnknownKey,
    WrongAudience,
    WrongAuthorizedParty,
    WrongIssuer,
    WrongType,
)
from .plan import Plan, limit, require_product

__all__ = [
    "AlgorithmNotAllowed", "AtHashMismatch", "DiscoveryError", "Expired", "InvalidSignature",
    "IssuedInFuture", "LoginError", "LogoutTokenError", "MalformedToken", "MissingClaim",
    "NonceMismatch", "NotEntitled", "Plan", "RPError", "TokenEndpointError", "TokenRejected",
    "UnknownKey", "WrongAudience", "WrongAuthorizedParty", "WrongIssuer", "WrongType", "limit",
    "require_product",
]
