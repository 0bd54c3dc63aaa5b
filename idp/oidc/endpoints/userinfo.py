"""The UserInfo endpoint (OIDC Core §5.3) with bearer tokens per RFC 6750 §2."""

from __future__ import annotations

from ...clients.cache import lookup as find_client
from ...orgs import cache as entitlement_cache
from ...orgs import entitlements
from .. import access_tokens, revocations
from ..claims import plan_claims, user_claims, wants_plan_claims
from ..errors import InsufficientScopeError, InvalidRequestError, InvalidTokenError
from ..grants.base import read_person_and_version


def bearer_token(headers, form, method: str) -> str:
    """The access token from the header, or the form body on POST (RFC 6750 §2.1, §2.2)."""
    header = headers.get("Authorization", "")
    in_form = method == "POST" and "access_token" in form
    if header and in_form:
        raise InvalidRequestError("Send the token once.")  # RFC 6750 §2
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidTokenError("Expected a Bearer token.")
        return token.strip()
    if in_form:
        return form.get("access_token", "")
    raise InvalidTokenError("Missing access token.")


def _sane(client_id) -> bool:
    return isinstance(client_id, str) and 0 < len(client_id) <= 64


def userinfo(token: str) -> dict:
    """Claims about the token's person, by its scope; sub equals the ID token's.

    Two round trips on the hot path: the person and the organisation's entitlement
    version in one prepared SELECT (grants/base.py), then the token's revocation marks
    and the entitlement snapshot under that version in one store read (the version
    before the snapshot, as orgs/cache.py requires). The answer is decided in the order
    the checks are listed in RFC 6750 §3.1: a revoked token is invalid_token whatever
    its scope.
    """
    try:
        claims, kid = access_tokens.decode_unchecked(token)
    except access_tokens.InvalidAccessToken as exc:
        raise InvalidTokenError(f"The access token is {exc}.") from None
    scope = claims.get("scope", "")
    scope = scope if isinstance(scope, str) else ""
    org_id = claims.get("org_id") if isinstance(claims.get("org_id"), int) else None
    sub = str(claims["sub"])
    openid = "openid" in scope.split()
    user, version = read_person_and_version(
        int(sub) if openid and sub.isascii() and sub.isdigit() else None, org_id)
    # Plan claims by the ID-token rule, resolved now (a plan change shows at once).
    # The process's client cache (dropped at once on any client change): no SELECT.
    client_id = claims.get("client_id")
    client = find_client(client_id) if org_id is not None and _sane(client_id) else None
    plan = user is not None and client is not None and wants_plan_claims(client, scope)
    snapshot_key = entitlement_cache.key(org_id, version, user.id) \
        if plan and version is not None else None
    revoked, cached = revocations.is_revoked_and_read(kid, claims["jti"], snapshot_key)
    if revoked:
        raise InvalidTokenError("The access token is revoked.")
    if not openid:
        raise InsufficientScopeError("The access token was not issued for openid.")
    if user is None:
        raise InvalidTokenError("The person of this token is gone.")
    if not plan:
        return user_claims(user, scope)
    entitlement = entitlements.resolve(user.id, org_id, version=version, cached=cached)
    return {**user_claims(user, scope), **plan_claims(user, client, scope, org_id, entitlement)}
