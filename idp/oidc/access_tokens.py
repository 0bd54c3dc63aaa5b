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
# Signatures already verified, by token: a relying party presents the same access token
# on every call it makes to userinfo or introspection until it expires, and an RS256
# verification with its JOSE parsing is the largest part of such a call. An entry is used
# only while its kid is still published (a kid names one immutable key; a removed key's
# tokens are verified again and fail); typ, iss, exp and the revocation marks are checked
# on every call. Only tokens whose signature verified are kept, so a stranger cannot fill it.
_VERIFIED: dict[str, tuple[dict, dict]] = {}  # token → (header, claims)
VERIFIED_MAX = 4096


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


def decode_unchecked(token, keyset=None) -> tuple[dict, str]:
    """``decode`` except the revocation check, which the caller must make (userinfo makes
    it with ``revocations.is_revoked_and_read``): the claims and the signing kid.
    ``keyset``: as ``jwks.verify_signature``."""
    keys = keyset if keyset is not None else signer.public_keyset()
    header, claims = _verified(token, keys)
    if header.get("typ", "").lower() not in (TYP, "application/at+jwt"):
        raise InvalidAccessToken("not an access token")  # RFC 9068 §4: check typ
    if claims.get("iss") != current_app.config["IDP"].issuer:
        raise InvalidAccessToken("wrong issuer")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= clock.timestamp():
        raise InvalidAccessToken("expired")
    if not isinstance(claims.get("jti"), str):
        raise InvalidAccessToken("revoked")  # no id to check: never live
    return claims, header["kid"]


def _verified(token, keys) -> tuple[dict, dict]:
    """The header and (a copy of) the claims of ``token`` once its signature verified
    against ``keys``, from ``_VERIFIED`` while the kid is still among them."""
    held = _VERIFIED.get(token) if isinstance(token, str) else None
    if held is not None and jwks.published(keys, held[0]["kid"]):
        return held[0], dict(held[1])
    try:
        parsed = jwks.verify_signature(token, keys)
    except jwks.InvalidJWT:
        raise InvalidAccessToken("not our token") from None
    header, claims = dict(parsed.header), dict(parsed.claims)
    if len(_VERIFIED) >= VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[token] = (header, claims)
    return header, dict(claims)


def revoke(jti: str, exp: int) -> None:
    """Mark an access token revoked until it expires (RFC 7009 §2), durably."""
    revocations.revoke(jti, exp)
