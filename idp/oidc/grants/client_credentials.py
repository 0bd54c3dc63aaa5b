"""The client credentials grant (RFC 6749 §4.4): an access token for the client itself.

No refresh token (RFC 6749 §4.4.3), no ID token, ``sub`` is the client_id.
"""

from __future__ import annotations

from typing import ClassVar

from authlib.oauth2.rfc6749 import grants

from .base import mint

# Scopes about a person mean nothing without one.
USER_SCOPES = {"openid", "profile", "email", "offline_access"}


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list] = ["client_secret_basic", "client_secret_post"]

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=False):
        allowed = self.client.get_allowed_scope(scope) or ""
        scope = " ".join(s for s in allowed.split() if s not in USER_SCOPES)
        token, _ = mint(self.client, None, scope, {}, with_refresh=False)
        return token

    def save_token(self, token):
        pass  # access tokens are self-contained JWTs; nothing to store
