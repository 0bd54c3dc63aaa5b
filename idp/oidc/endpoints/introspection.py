"""Token introspection (RFC 7662) for authenticated confidential clients.

Anything invalid, expired, revoked or foreign answers ``{"active": false}``
(RFC 7662 §2.2). Who may read what (RFC 7662 §2.2 and §4 let the server
decide; a token's claims name a person, an organisation and its plan):

- a client reads the tokens issued to it (access and refresh tokens);
- a client *serves* a resource when it is bound to a product
  (``idp clients create --product``): that product's audience
  (``idp products list``). It reads the access tokens whose ``aud`` names it —
  the products' APIs check the tokens their users bring;
- anything else, a refresh token of another client included, is inactive to it.
"""

from __future__ import annotations

from typing import ClassVar

from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint
from flask import current_app

from ...orgs.products import audience_of
from ..errors import InvalidRequestError
from .tokens import find


class IntrospectionEndpoint(_IntrospectionEndpoint):
    CLIENT_AUTH_METHODS: ClassVar[list] = ["client_secret_basic", "client_secret_post"]

    def check_params(self, request, client):
        if not request.form.get("token"):
            raise InvalidRequestError("Missing 'token'.")

    def authenticate_token(self, request, client):
        self.check_params(request, client)
        token = find(request.form.get("token"), request.form.get("token_type_hint"))
        if token and self.check_permission(token, client, request):
            return token
        return None

    def query_token(self, token_string, token_type_hint):
        return find(token_string, token_type_hint)

    def check_permission(self, token, client, request):
        if token.check_client(client):
            return True
        return token.kind == "access_token" and _serves(client, token.claims.get("aud"))

    def introspect_token(self, token):
        if token.kind == "access_token":
            claims = dict(token.claims)
            claims["token_type"] = "Bearer"
            return claims
        row = token.row
        return {"active": True, "client_id": row.client_id, "scope": row.scope,
                "sub": str(row.user_id), "iss": current_app.config["IDP"].issuer,
                "exp": int(row.expires_at.timestamp()), "iat": int(row.created_at.timestamp()),
                "token_type": "refresh_token"}


def _serves(client, aud) -> bool:
    """Is one of the token's audiences the resource this client serves (its product's)?"""
    served = audience_of(getattr(client, "product", None))
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    return served is not None and served in audiences
