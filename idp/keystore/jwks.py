"""The public view of the keystore: the JWKS document, its caching, verification.

The JWKS lists next, active and retired keys (public members only). Its
Cache-Control max-age is ``settings.jwks_max_age``, and `rotation.rotate`
refuses to let a key sign before it has been published for that long, so a
relying party that honours the max-age always holds a key before the first
token it signs (OIDC Core §10.1.1: signing keys are rotated by publishing the
new key in the JWKS first).
"""

from __future__ import annotations

from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError

from ..storage.store import get_store
from .keys import SUPPORTED_ALGS, jws_registry
from .signer import public_jwks, public_keyset, revoked_key


class InvalidJWT(Exception):
    """Not a token we signed with a published key."""


def jwks_document() -> dict:
    """The JWKS served at /.well-known/jwks.json: {"keys": [...]}, public members only."""
    return public_jwks()


def jwks_cache_control() -> str:
    """The Cache-Control header for the JWKS: no longer than a key stays `next`."""
    return f"public, max-age={current_app.config['IDP'].jwks_max_age}"


def verify(token: str):
    """Return the decoded token (header, claims) when a published, unrevoked key signed it.

    Claims such as exp are not checked here; callers decide (an expired
    id_token_hint is acceptable at logout, OIDC RP-Initiated Logout §2).
    """
    decoded = verify_signature(token)
    kid = decoded.header["kid"]
    if get_store().get(revoked_key(kid)) is not None:
        raise InvalidJWT(f"key {kid} was revoked")
    return decoded


def verify_signature(token: str, keyset=None):
    """``verify`` without the revoked-key mark: the caller checks it (access_tokens.py
    reads it in one round trip with the token's own mark, oidc/revocations.py).
    ``keyset``: the published keys when the caller holds them (the event loop, which must
    not reload them from the database); by default the signer's, reloaded when due."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 16384:
        raise InvalidJWT("malformed token")
    try:
        keys = keyset if keyset is not None else public_keyset()
        decoded = jwt.decode(token, keys, algorithms=list(SUPPORTED_ALGS),
                             registry=jws_registry(SUPPORTED_ALGS))
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise InvalidJWT(str(exc)[:200]) from None
    if not isinstance(decoded.header.get("kid"), str):
        raise InvalidJWT("token has no kid")
    return decoded


def published(keys, kid: str) -> bool:
    """Is ``kid`` one of the key set ``keys``?"""
    try:
        keys.get_by_kid(kid)
    except JoseError:
        return False
    return True
