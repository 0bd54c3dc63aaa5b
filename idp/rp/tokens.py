"""Validate the IdP's ID tokens and RFC 9068 access tokens offline.

``validate_id_token`` follows OIDC Core §3.1.3.7 (and §12.2 after a refresh):
the JOSE checks of ``JWKSCache.decode`` (allow-listed ``alg``, published
``kid``, signature), then ``iss`` exactly, ``aud`` naming this client and no
audience it does not trust, ``azp`` when present (or required with several
audiences), ``exp``/``iat`` within a bounded leeway, the ``nonce`` this login
sent, and ``at_hash`` when the token carries one.

``validate_access_token`` follows RFC 9068 §4 for a resource server (a
product's API): ``typ`` ``at+jwt``, ``iss``, ``aud`` containing this product's
audience, ``exp``/``iat``, and the claims §2.2 requires. Access tokens are for
APIs: an RP holding one for a call treats it as opaque (RFC 9068 §6).

Every failure raises a ``TokenRejected`` subclass naming the rule (errors.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .errors import (
    AtHashMismatch,
    Expired,
    IssuedInFuture,
    MissingClaim,
    NonceMismatch,
    WrongAudience,
    WrongAuthorizedParty,
    WrongIssuer,
    WrongType,
)

MAX_LEEWAY = 300  # seconds of clock skew tolerated at most, whatever a caller asks for
DEFAULT_LEEWAY = 30
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")  # RFC 9068 §4, compared case-insensitively
NOT_ID_TOKEN_TYPES = (*ACCESS_TOKEN_TYPES, "logout+jwt", "application/logout+jwt")


def bounded(leeway: int) -> int:
    """The leeway, refused when negative or above MAX_LEEWAY (a typo must not disable ``exp``)."""
    if not isinstance(leeway, int) or isinstance(leeway, bool) or not 0 <= leeway <= MAX_LEEWAY:
        raise ValueError(f"leeway must be 0 to {MAX_LEEWAY} seconds")
    return leeway


def _number(claims: dict, name: str):
    value = claims.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise MissingClaim(f"{name} is missing or not a NumericDate")
    return value


def check_time(claims: dict, leeway: int, now: float | None = None) -> None:
    """``exp`` not passed and ``iat`` not in the future, each within ``leeway`` seconds."""
    now = time.time() if now is None else now
    if _number(claims, "exp") <= now - leeway:
        raise Expired("the token has expired")
    if _number(claims, "iat") > now + leeway:
        raise IssuedInFuture("the token's iat is in the future")


def check_issuer(claims: dict, issuer: str) -> None:
    if claims.get("iss") != issuer:
        raise WrongIssuer(f"iss is not {issuer}")


def audiences(claims: dict) -> list[str]:
    aud = claims.get("aud")
    values = [aud] if isinstance(aud, str) else aud
    if not isinstance(values, list) or not values or not all(isinstance(a, str) for a in values):
        raise MissingClaim("aud is missing")
    return values


def _check_id_audience(claims: dict, client_id: str, trusted: tuple[str, ...]) -> None:
    aud = audiences(claims)
    if client_id not in aud:
        raise WrongAudience("aud does not name this client")
    untrusted = [a for a in aud if a != client_id and a not in trusted]
    if untrusted:  # §3.1.3.7 step 3: reject audiences the client does not trust
        raise WrongAudience("aud names an audience this client does not trust")
    azp = claims.get("azp")
    if azp is not None and azp != client_id:
        raise WrongAuthorizedParty("azp is another client")
    if azp is None and len(aud) > 1:
        raise WrongAuthorizedParty("several audiences and no azp")


def half_hash(value: str, alg: str) -> str:
    """at_hash: the left half of the hash of ``value`` under the alg's hash (§3.1.3.6)."""
    digest = (hashlib.sha512 if alg == "EdDSA" else hashlib.sha256)(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def _check_nonce(claims: dict, nonce: str | None) -> None:
    if nonce is None:
        return
    got = claims.get("nonce")
    if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
        raise NonceMismatch("nonce is not the one this login sent")


def validate_id_token(token: str, *, jwks, issuer: str, client_id: str, nonce: str | None,
                      access_token: str | None = None, algorithms=None,
                      leeway: int = DEFAULT_LEEWAY, trusted_audiences=(),
                      now: float | None = None) -> dict:
    """Return the claims of a valid ID token for ``client_id``; raise TokenRejected.

    ``jwks`` is a ``JWKSCache``. ``nonce`` is the one sent with the authorization
    request (``None`` only after a refresh, where §12.2 carries none).
    """
    decoded = jwks.decode(token, algorithms)
    if str(decoded.header.get("typ", "")).lower() in NOT_ID_TOKEN_TYPES:
        raise WrongType(f"typ {decoded.header['typ']!r} is not an ID token")
    claims = dict(decoded.claims)
    check_issuer(claims, issuer)
    _check_id_audience(claims, client_id, tuple(trusted_audiences))
    check_time(claims, bounded(leeway), now)
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise MissingClaim("sub is missing")
    _check_nonce(claims, nonce)
    at_hash = claims.get("at_hash")
    if access_token is not None and at_hash is not None \
            and not hmac.compare_digest(str(at_hash), half_hash(access_token, decoded.header["alg"])):
        raise AtHashMismatch("at_hash does not match the access token")
    return claims


def validate_access_token(token: str, *, jwks, issuer: str, audience: str, algorithms=None,
                          leeway: int = DEFAULT_LEEWAY, now: float | None = None) -> dict:
    """Return the claims of a valid RFC 9068 access token for ``audience``; raise TokenRejected."""
    decoded = jwks.decode(token, algorithms)
    typ = str(decoded.header.get("typ", "")).lower()
    if typ not in ACCESS_TOKEN_TYPES:  # §4: MUST check typ, so an ID token is not an access token
        raise WrongType(f"typ is {decoded.header.get('typ')!r}, not at+jwt")
    claims = dict(decoded.claims)
    check_issuer(claims, issuer)
    if audience not in audiences(claims):  # §4: aud MUST contain this resource server's audience
        raise WrongAudience(f"aud does not contain {audience}")
    check_time(claims, bounded(leeway), now)
    for name in ("sub", "client_id", "jti"):  # §2.2 required claims
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise MissingClaim(f"{name} is missing")
    return claims
