"""Look up a presented token of either kind (for revocation and introspection)."""

from __future__ import annotations

from dataclasses import dataclass

from ... import clock
from .. import access_tokens, refresh


@dataclass
class FoundToken:
    kind: str  # "access_token" or "refresh_token"
    client_id: str
    claims: dict | None = None  # access tokens
    row: object | None = None  # refresh tokens

    def check_client(self, client) -> bool:
        return self.client_id == client.client_id

    def is_expired(self) -> bool:
        if self.row is not None:
            return self.row.expires_at <= clock.now()
        return self.claims["exp"] <= clock.timestamp()

    def is_revoked(self) -> bool:
        if self.row is not None:
            return self.row.revoked_at is not None or self.row.rotated_at is not None
        # find() returns an access token only when access_tokens.decode has just found
        # neither its jti nor its key revoked in the store; reading the store again in
        # the same request (Authlib's introspection asks) would repeat that read.
        return False


def find(token, hint=None) -> FoundToken | None:
    """The token, whatever the hint says (RFC 7009 §2.1: search beyond a wrong hint)."""
    if not isinstance(token, str) or not token or len(token) > 16384:
        return None
    order = ("refresh_token", "access_token") if hint == "refresh_token" else \
        ("access_token", "refresh_token")
    for kind in order:
        found = _find_access(token) if kind == "access_token" else _find_refresh(token)
        if found is not None:
            return found
    return None


def _find_access(token: str) -> FoundToken | None:
    if token.count(".") != 2:
        return None
    try:
        claims = access_tokens.decode(token)
    except access_tokens.InvalidAccessToken:
        return None
    return FoundToken("access_token", claims.get("client_id", ""), claims=claims)


def _find_refresh(token: str) -> FoundToken | None:
    row = refresh.find(token)
    return FoundToken("refresh_token", row.client_id, row=row) if row else None
