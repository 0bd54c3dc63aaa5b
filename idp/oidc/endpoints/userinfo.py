"""The UserInfo endpoint (OIDC Core §5.3) with bearer tokens per RFC 6750 §2."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Presented:
    """What a verified access token says, before anything is read about it."""

    claims: dict
    kid: str
    scope: str
    org_id: int | None
    user_id: int | None  # None unless the token was issued for openid with a numeric sub
    openid: bool

    @property
    def jti(self) -> str:
        return self.claims["jti"]


def presented(token: str, keyset=None) -> Presented:
    """The token's signature, typ, iss and exp checked (``keyset``: access_tokens.decode_unchecked)."""
    try:
        claims, kid = access_tokens.decode_unchecked(token, keyset)
    except access_tokens.InvalidAccessToken as exc:
        raise InvalidTokenError(f"The access token is {exc}.") from None
    scope = claims.get("scope", "")
    scope = scope if isinstance(scope, str) else ""
    org_id = claims.get("org_id") if isinstance(claims.get("org_id"), int) else None
    sub = str(claims["sub"])
    openid = "openid" in scope.split()
    user_id = int(sub) if openid and sub.isascii() and sub.isdigit() else None
    return Presented(claims, kid, scope, org_id, user_id, openid)


def plan_client(token: Presented, find=find_client):
    """The client whose plan-claim rule applies (the process's client cache: no SELECT);
    None when the token names no organisation."""
    client_id = token.claims.get("client_id")
    return find(client_id) if token.org_id is not None and _sane(client_id) else None


def snapshot_key(token: Presented, user, version, client) -> str | None:
    """The store key of the entitlement snapshot this answer needs, if it needs one."""
    if user is None or client is None or version is None:
        return None
    if not wants_plan_claims(client, token.scope):
        return None
    return entitlement_cache.key(token.org_id, version, user.id)


def answer(token: Presented, user, version, client, revoked: bool, cached) -> dict:
    """The claims, or the error, decided in the order of RFC 6750 §3.1: a revoked token is
    invalid_token whatever its scope. ``cached``: the snapshot under ``version`` (or None:
    read from Postgres)."""
    if revoked:
        raise InvalidTokenError("The access token is revoked.")
    if not token.openid:
        raise InsufficientScopeError("The access token was not issued for openid.")
    if user is None:
        raise InvalidTokenError("The person of this token is gone.")
    if client is None or not wants_plan_claims(client, token.scope):
        return user_claims(user, token.scope)
    entitlement = entitlements.resolve(user.id, token.org_id, version=version, cached=cached)
    return {**user_claims(user, token.scope),
            **plan_claims(user, client, token.scope, token.org_id, entitlement)}


def userinfo(token: str) -> dict:
    """Claims about the token's person, by its scope; sub equals the ID token's.

    Two round trips on the hot path: the person and the organisation's entitlement
    version in one prepared SELECT (grants/base.py), then the token's revocation marks
    and the entitlement snapshot under that version in one store read (the version
    before the snapshot, as orgs/cache.py requires). The same steps run on the event
    loop when everything is at hand (oidc/loop_endpoints.py).
    """
    token_ = presented(token)
    user, version = read_person_and_version(token_.user_id, token_.org_id)
    # Plan claims by the ID-token rule, resolved now (a plan change shows at once).
    client = plan_client(token_)
    key = snapshot_key(token_, user, version, client)
    revoked, cached = revocations.is_revoked_and_read(token_.kid, token_.jti, key)
    return answer(token_, user, version, client, revoked, cached)
