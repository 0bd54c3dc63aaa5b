"""Access tokens: JWTs per RFC 9068, signed by the keystore, checkable offline.

Authlib's rfc9068.JWTBearerTokenGenerator signs with a key it is handed; our
private keys never leave ``keystore.signer``, so the claims (RFC 9068 §2.2)
are built here and signed there. Revoked ids are kept in Postgres until the
token would have expired anyway, and cached in the store (revocations.py).
"""

from __future__ import annotations

import secrets

from flask import current_app

from .. import clock
from ..keystore import jwks, signer
from . import revocations
from .claims import entitlement_claims

TYP = "at+jwt"


class InvalidAccessToken(Exception):
    """Not a live access token of ours (bad signature, wrong typ/iss, expired, revoked)."""


def audiences(client, user, scope: str, resources=None) -> list[str]:
    """The audiences when no entitlement gate ran (client_credentials): the issuer."""
    return [current_app.config["IDP"].issuer]


def capped(exp: int, cap: int | None) -> int:
    """No token outlives the entitlement it encodes (DESIGN "Tokens")."""
    return exp if cap is None else min(exp, cap)


def alg_for(client) -> str:
    return client.access_token_signed_response_alg or "RS256"


def mint(client, user, scope: str, context: dict | None = None) -> tuple[str, dict]:
    """Sign an access token; return it and its claims. ``user`` is None for client_credentials."""
    settings = current_app.config["IDP"]
    context = context or {}
    now = clock.timestamp()
    claims = {
        "iss": settings.issuer,
        "sub": user.subject if user is not None else client.client_id,
        # The gate's product audiences (entitlement_gate.audiences), else the issuer.
        "aud": context.get("audiences") or audiences(client, user, scope),
        "client_id": client.client_id,
        "scope": scope or "",
        "iat": now,
        "exp": capped(now + settings.access_token_lifetime, context.get("exp_cap")),
        "jti": secrets.token_urlsafe(18),
    }
    for key in ("auth_time", "sid", "acr", "amr"):
        if context.get(key):
            claims[key] = context[key]
    if user is not None:
        claims.update(entitlement_claims(user, context.get("organization_id"),
                                         context.get("entitlement")))
    return signer.sign(claims, alg_for(client), TYP), claims


def decode(token) -> dict:
    """Return the claims of a live access token of ours, whatever its audience."""
    claims, kid = decode_unchecked(token)
    if revocations.is_revoked(kid, claims["jti"]):
        raise InvalidAccessToken("revoked")
    return claims


def decode_unchecked(token) -> tuple[dict, str]:
    """``decode`` except the revocation check, which the caller must make (userinfo makes
    it with ``revocations.is_revoked_and_read``): the claims and the signing kid."""
    try:
        parsed = jwks.verify_signature(token)
    except jwks.InvalidJWT:
        raise InvalidAccessToken("not our token") from None
    claims = dict(parsed.claims)
    if parsed.header.get("typ", "").lower() not in (TYP, "application/at+jwt"):
        raise InvalidAccessToken("not an access token")  # RFC 9068 §4: check typ
    if claims.get("iss") != current_app.config["IDP"].issuer:
        raise InvalidAccessToken("wrong issuer")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= clock.timestamp():
        raise InvalidAccessToken("expired")
    if not isinstance(claims.get("jti"), str):
        raise InvalidAccessToken("revoked")  # no id to check: never live
    return claims, parsed.header["kid"]


def revoke(jti: str, exp: int) -> None:
    """Mark an access token revoked until it expires (RFC 7009 §2), durably."""
    revocations.revoke(jti, exp)
