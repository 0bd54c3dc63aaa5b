"""RP side of Back-Channel Logout 1.0: validate a logout token (spec §2.6).

Usage in a relying party's back-channel endpoint::

    claims = validate_logout_token(request.form["logout_token"], jwks=jwks_cache,
                                   issuer="https://id.tomps.example", client_id="...")
    end_local_sessions(sid=claims.get("sid"), sub=claims.get("sub"))  # then answer 200

``jwks`` is a ``JWKSCache`` (a logout token signed with a key rotated in since
the last fetch is then verified after one refetch), a JWKS document or a joserfc
``KeySet``. Any failure raises ``LogoutTokenError``; the RP answers 400 (§2.8).
The Flask integration's receiver (``idp.rp.flask``) does all of this.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .errors import LogoutTokenError, TokenRejected
from .jwks_cache import JWKSCache
from .tokens import bounded

__all__ = ["EVENT", "TYP", "LogoutTokenError", "validate_logout_token"]

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TYP = "logout+jwt"
ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")


def _decode(token: str, jwks, algorithms) -> tuple[dict, dict]:
    # §2.6 steps 1-2: a signed JWT (no "none", no JWE: five parts) verified like an ID token.
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 16384:
        raise LogoutTokenError("not a compact signed JWT")
    if isinstance(jwks, JWKSCache):
        try:
            decoded = jwks.decode(token, algorithms)
        except TokenRejected as exc:
            raise LogoutTokenError(f"signature: {exc}") from exc
        return dict(decoded.header), decoded.claims
    keys = jwks if isinstance(jwks, KeySet) else KeySet.import_key_set(jwks)
    try:
        decoded = jwt.decode(token, keys, algorithms=list(algorithms))
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise LogoutTokenError(f"signature: {str(exc)[:200]}") from None
    if not isinstance(decoded.claims, dict):
        raise LogoutTokenError("claims are not a JSON object")
    return dict(decoded.header), decoded.claims


def _check_time(claims: dict, now: int, leeway: int) -> None:
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int | float) or isinstance(iat, bool) or iat > now + leeway:
        raise LogoutTokenError("iat missing or in the future")
    if not isinstance(exp, int | float) or isinstance(exp, bool) or exp < now - leeway:
        raise LogoutTokenError("exp missing or passed")


def _check_audience(claims: dict, client_id: str) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or client_id not in audiences:
        raise LogoutTokenError("aud does not name this client")


def _check_logout_claims(claims: dict) -> None:
    # §2.6 step 4: sub or sid (or both).
    if not any(isinstance(claims.get(k), str) and claims[k] for k in ("sub", "sid")):
        raise LogoutTokenError("neither sub nor sid")
    # Step 5: events holds the back-channel logout member, a JSON object.
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(EVENT), dict):
        raise LogoutTokenError("events claim missing or without the back-channel logout event")
    # Step 6: a nonce is prohibited (§2.4), so an ID token cannot pass as a logout token.
    if "nonce" in claims:
        raise LogoutTokenError("a logout token must not contain a nonce")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise LogoutTokenError("jti missing")


def validate_logout_token(token: str, *, jwks, issuer: str, client_id: str,
                          algorithms=ALGORITHMS, leeway: int = 60, now: int | None = None,
                          seen_jti: Callable[[str], bool] | None = None) -> dict:
    """Return the claims of a valid logout token for ``client_id``; raise LogoutTokenError.

    ``jwks`` is the IdP's JWKS document (or a joserfc KeySet). ``seen_jti``, when
    given, answers whether this jti was already accepted (step 7, replay).
    """
    header, claims = _decode(token, jwks, algorithms)
    if "typ" in header and header["typ"] != TYP:  # §2.4: explicitly typed logout+jwt
        raise LogoutTokenError(f"typ is {header['typ']!r}, not {TYP}")
    # Step 3: iss, aud, iat (and exp, REQUIRED by §2.4) as for an ID token.
    if claims.get("iss") != issuer:
        raise LogoutTokenError("iss is not the expected issuer")
    _check_audience(claims, client_id)
    _check_time(claims, int(time.time()) if now is None else now, bounded(leeway))
    _check_logout_claims(claims)
    if seen_jti is not None and seen_jti(claims["jti"]):
        raise LogoutTokenError("jti already used (replay)")
    return claims
