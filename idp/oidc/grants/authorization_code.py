"""The authorization code grant (RFC 6749 §4.1) with OIDC (Core §3.1) and PKCE.

Hooks overridden, and why:
- ``create_authorization_response`` returns the response parameters instead of
  a 302, so ``render`` can honour response_mode and add ``iss`` (RFC 9207).
- ``query_authorization_code`` *consumes* the code (GETDEL) and
  ``delete_authorization_code`` does nothing: Authlib's read-then-delete
  would let two concurrent redemptions both succeed.
- ``save_token`` records what the code produced; a replay revokes it.
"""

from __future__ import annotations

import hashlib

from authlib.oauth2.rfc6749 import grants
from authlib.oidc.core import OpenIDCode

from ...storage.store import get_store
from ...storage.transaction import transaction
from .. import access_tokens, codes, id_tokens, refresh
from .. import entitlement_gate as gating
from .base import TOKEN_METHODS, load_user_and_version, mint, wants_refresh_token


def _nonce_key(client_id: str, nonce: str) -> str:
    return f"nonce:{client_id}:{hashlib.sha256(nonce.encode('utf-8', 'surrogatepass')).hexdigest()}"


def revoke_issued(issued: dict | None) -> None:
    """Revoke what one code produced (its access token and refresh family)."""
    if not issued:
        return
    access_tokens.revoke(issued["jti"], issued["exp"])
    if issued.get("family_id"):
        refresh.revoke_family(issued["family_id"])


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_METHODS

    def create_authorization_response(self, redirect_uri, grant_user):
        self.request.user = grant_user
        code = self.generate_authorization_code()
        self.save_authorization_code(code, self.request)
        return [("code", code), ("state", self.request.payload.state)]

    def save_authorization_code(self, code, request):
        data = request.payload.data
        live = request.sso
        nonce = data.get("nonce")
        marks = {_nonce_key(request.client.client_id, nonce): "1"} if nonce else None
        codes.save(code, {
            "client_id": request.client.client_id,
            # RFC 6749 §4.1.3: the token request must repeat redirect_uri if this one had it.
            "redirect_uri": data.get("redirect_uri"),
            "effective_redirect_uri": self.redirect_uri or data.get("redirect_uri"),
            "scope": request.scope or "", "nonce": nonce,
            "code_challenge": data.get("code_challenge"),
            "code_challenge_method": data.get("code_challenge_method"),
            "user_id": request.user.id, "sid": live.sid, "auth_time": live.auth_time,
            "amr": live.amr, "acr": live.acr,
            # What the entitlement gate decided (authorize.py): re-checked at redemption.
            "organization_id": getattr(request, "organization_id", None),
            "resources": getattr(request, "resources", None),
        }, marks)

    def query_authorization_code(self, code, client):
        if not isinstance(code, str) or not 1 <= len(code) <= 256:
            return None
        stored = codes.consume(code)
        if stored is None:
            # RFC 6749 §4.1.2, RFC 9700 §4.2.1: a used code revokes what it issued.
            revoke_issued(codes.mark_replayed(code))
            return None
        if stored["client_id"] != client.client_id:
            return None  # bound to its client (RFC 6749 §4.1.3)
        sent = self.request.payload.redirect_uri
        if sent is not None and sent != stored["effective_redirect_uri"]:
            return None  # a redirect_uri, when sent, must be the one the code went to
        return stored

    def delete_authorization_code(self, authorization_code):
        pass  # already consumed atomically in query_authorization_code

    def authenticate_user(self, authorization_code):
        # The organisation's entitlement version comes with the person (one SELECT).
        user, self._org_version = load_user_and_version(authorization_code["user_id"],
                                                        authorization_code.get("organization_id"))
        return user

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True):
        client, stored = self.request.client, self.request.authorization_code
        issue = gating.for_tokens(client, user.id, stored.get("organization_id"),
                                  self.request.payload.datalist.get("resource"),
                                  granted=stored.get("resources"), version=self._org_version)
        self.request.token_context = context = dict(stored, **issue.context())
        # One unit of work: the refresh row and its audit record; the person stays loaded
        # for the ID token (no reload after the commit).
        with transaction(expire=False):
            token, self.request.issued = mint(
                client, user, scope, context, with_refresh=wants_refresh_token(client, scope))
            gating.record_issued("authorization_code", client, user.id, issue)
        return token

    def save_token(self, token):
        code = self.request.form.get("code")
        if codes.record_issued(code, self.request.issued):
            # A replay raced this first use (RFC 6749 §4.1.2): what it issued is revoked
            # now. The first use itself keeps its response, so of N concurrent
            # redemptions exactly one succeeds — with tokens that no longer work.
            revoke_issued(self.request.issued)


class OpenIDCodeExtension(OpenIDCode):
    """OIDC for the code grant: nonce replay check and the ID token.

    Authlib's prompt handling (``validate_request_prompt``) is not registered: it
    does not see session age, max_age or id_token_hint; ``authorize.py`` does it.
    Its ``encode_id_token`` signs with a key it is handed; ours go through the signer.
    """

    def exists_nonce(self, nonce, request):
        return get_store().get(_nonce_key(request.payload.client_id or "", nonce)) is not None

    def encode_id_token(self, token, request):
        stored = request.authorization_code
        context = getattr(request, "token_context", None) or dict(stored)
        return id_tokens.mint(request.client, request.user, token.get("scope", ""), context,
                              access_token=token.get("access_token"), nonce=stored.get_nonce())

    def __call__(self, grant):
        grant.register_hook("after_create_token_response", self.process_token)
        grant.register_hook("after_validate_authorization_request_payload",
                            self.validate_openid_authorization_request)
