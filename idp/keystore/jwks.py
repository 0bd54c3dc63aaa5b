"""Verify JWTs we issued against the published keys."""

from __future__ import annotations

from joserfc import jwt
from joserfc.errors import JoseError

from .keys import SUPPORTED_ALGS
from .signer import public_keyset


class InvalidJWT(Exception):
    """Not a token we signed with a published key."""


def verify(token: str):
    """Return the decoded token (header, claims) when a published key signed it.

    Claims such as exp are not checked here; callers decide (an expired
    id_token_hint is acceptable at logout, OIDC RP-Initiated Logout §2).
    """
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 16384:
        raise InvalidJWT("malformed token")
    try:
        return jwt.decode(token, public_keyset(), algorithms=list(SUPPORTED_ALGS))
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise InvalidJWT(str(exc)[:200]) from None
