"""Token revocation (RFC 7009): access tokens by jti in the store, refresh tokens by family."""

from __future__ import annotations

from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint

from .. import access_tokens, refresh
from ..grants.base import TOKEN_METHODS
from .tokens import find


class RevocationEndpoint(_RevocationEndpoint):
    CLIENT_AUTH_METHODS = TOKEN_METHODS

    def check_params(self, request, client):
        # RFC 7009 §2.1: an unknown hint is ignored, not an error (we search both kinds).
        if not request.form.get("token"):
            from ..errors import InvalidRequestError

            raise InvalidRequestError("Missing 'token'.")

    def authenticate_token(self, request, client):
        self.check_params(request, client)
        token = find(request.form.get("token"), request.form.get("token_type_hint"))
        # RFC 7009 §2.2: a token of another client is not revoked; the answer stays 200.
        return token if token is not None and token.check_client(client) else None

    def query_token(self, token_string, token_type_hint):
        return find(token_string, token_type_hint)

    def revoke_token(self, token, request):
        if token.kind == "access_token":
            access_tokens.revoke(token.claims["jti"], token.claims["exp"])
        else:
            # Revoking a refresh token ends its whole grant (RFC 7009 §2.1 "SHOULD").
            refresh.revoke_family(token.row.family_id)
