"""Token introspection (RFC 7662) for authenticated confidential clients.

Anything invalid, expired, revoked or foreign answers ``{"active": false}``
(RFC 7662 §2.2). A client may introspect access tokens whatever their
audience (resource servers use this), and its own refresh tokens.
"""

from __future__ import annotations

from typing import ClassVar

from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint
from flask import current_app

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
        return token.kind == "access_token" or token.check_client(client)

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
