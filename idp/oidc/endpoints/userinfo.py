"""The UserInfo endpoint (OIDC Core §5.3) with bearer tokens per RFC 6750 §2."""

from __future__ import annotations

from ...clients.cache import lookup as find_client
from ...orgs import entitlements
from .. import access_tokens
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
    """Claims about the token's person, by its scope; sub equals the ID token's."""
    try:
        claims = access_tokens.decode(token)
    except access_tokens.InvalidAccessToken as exc:
        raise InvalidTokenError(f"The access token is {exc}.") from None
    scopes = claims.get("scope", "").split()
    if "openid" not in scopes:
        raise InsufficientScopeError("The access token was not issued for openid.")
    org_id = claims.get("org_id") if isinstance(claims.get("org_id"), int) else None
    sub = str(claims["sub"])
    # The person, and the organisation's entitlement version, in one SELECT.
    user, version = read_person_and_version(int(sub) if sub.isascii() and sub.isdigit() else None,
                                          org_id)
    if user is None:
        raise InvalidTokenError("The person of this token is gone.")
    scope = claims.get("scope", "")
    # Plan claims by the ID-token rule, resolved now (a plan change shows at once).
    # The process's client cache (dropped at once on any client change): no SELECT.
    client_id = claims.get("client_id")
    client = find_client(client_id) if org_id is not None and _sane(client_id) else None
    if client is None or not wants_plan_claims(client, scope):
        return user_claims(user, scope)
    entitlement = entitlements.resolve(user.id, org_id, version=version)
    return {**user_claims(user, scope), **plan_claims(user, client, scope, org_id, entitlement)}
