"""The refresh token grant (RFC 6749 §6) with rotation, a grace window and families.

``create_token_response`` is replaced, not extended: Authlib mints first and
revokes the old token afterwards, which lets two concurrent requests both
mint. Here the old token is claimed by one conditional UPDATE *before*
anything is minted; the losers inside the grace window get the winner's
response, the others revoke the family (RFC 9700 §4.14.2).
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import grants
from authlib.oidc.core.grants.util import is_openid_scope
from flask import current_app

from ... import clock
from ...extensions import db
from ...storage.transaction import transaction
from .. import entitlement_gate as gating
from .. import id_tokens, refresh
from ..errors import InvalidGrantError
from .base import TOKEN_METHODS, load_user, mint

MAX_WAIT = 5.0  # seconds a loser waits for the winner's response


def _context(row) -> dict:
    return {"sid": row.sid, "auth_time": row.auth_time, "amr": row.amr, "acr": row.acr,
            "organization_id": row.organization_id}


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        row, self._person = refresh.find_with_person(refresh_token)
        if row is None or row.expires_at <= clock.now():
            return None
        return row

    def authenticate_user(self, refresh_token):
        # _person keeps the row loaded with the token in the identity map (no second
        # SELECT); load_user still refuses a disabled person.
        return load_user(refresh_token.user_id)

    def revoke_old_credential(self, refresh_token):
        pass  # rotation already claimed the old token (see create_token_response)

    def create_token_response(self):
        row = self.request.refresh_token
        self.request.issue = self._gate(row)
        live = row.revoked_at is None and row.rotated_at is None  # else: straight to _lost
        token = self._rotate(row) if live else None
        if token is not None:
            return 200, token, self.TOKEN_RESPONSE_HEADER
        return 200, self._lost(row), self.TOKEN_RESPONSE_HEADER

    def _gate(self, row) -> gating.Issue:
        """Every refresh re-runs the entitlement gate (DESIGN "Tokens"), before rotation.

        A refusal leaves a live token as it is (paying a pending invoice restores it);
        a reused one still costs its family, as in ``_lost``.
        """
        try:
            return gating.for_tokens(self.client, row.user_id, row.organization_id,
                                     self.request.payload.datalist.get("resource"))
        except InvalidGrantError:
            if row.revoked_at is not None or row.rotated_at is not None:
                refresh.revoke_family(row.family_id)
            raise

    def _rotate(self, row) -> dict | None:
        """Claim ``row`` and mint its successor in one transaction; None when another won.

        One unit of work: the claim (a conditional UPDATE), the successor's INSERT and
        the "token.issued" audit row commit together, and nothing loaded is expired
        by that commit (no reloads before the ID token is signed).
        """
        user = self.authenticate_user(row)
        if user is None:
            refresh.revoke_family(row.family_id)
            raise InvalidGrantError("The person of this token can no longer sign in.")
        scope = self.request.payload.scope or row.scope  # RFC 6749 §6: may narrow
        issue = self.request.issue
        context = dict(_context(row), **issue.context())
        with transaction(expire=False):
            if not refresh.claim(row.id):
                return None
            token, _ = mint(self.client, user, scope, context, with_refresh=True,
                            family_id=row.family_id, parent_id=row.id)
            gating.record_issued("refresh_token", self.client, user.id, issue)
        token["scope"] = scope
        if is_openid_scope(row.scope):
            # OIDC Core §12.2: same iss/sub/aud/auth_time, new iat, no nonce.
            token["id_token"] = id_tokens.mint(self.client, user, scope, context,
                                               access_token=token["access_token"])
        refresh.remember_response(row.token_hash, token)
        return token

    def _lost(self, row) -> dict:
        token_hash, family_id = row.token_hash, row.family_id
        current = refresh.state(row.id)
        in_grace = current is not None and refresh.within_grace(current)
        db.session.rollback()  # hand the connection back while waiting
        if in_grace:
            grace = current_app.config["IDP"].refresh_token_grace
            response = refresh.wait_for_response(token_hash, min(grace, MAX_WAIT))
            if response is not None:
                return response
            raise InvalidGrantError("The refresh token is being rotated; try again.")
        # Reuse after rotation (or of a revoked token): the family is compromised.
        refresh.revoke_family(family_id)
        raise InvalidGrantError("The refresh token was already used or revoked.")
