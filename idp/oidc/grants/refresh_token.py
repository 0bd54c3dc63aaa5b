"""The refresh token grant (RFC 6749 §6) with rotation, a grace window and families.

``create_token_response`` is replaced, not extended: Authlib mints and then
revokes the old token in separate steps, which lets two concurrent requests
both mint. Here one transaction mints the successor pair, claims the old token
with one conditional UPDATE that also keeps the sealed response in its row, and
commits; a request that loses the claim rolls its work back. Uses inside the
grace window get the kept response (the same successor pair), the others revoke
the family (RFC 9700 §4.14.2). Nothing runs after the commit that could fail and
lose an answer the client can no longer get; a state that may resolve itself is
a 503 temporarily_unavailable with Retry-After, never invalid_grant (which
relying-party libraries treat as final).
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import grants
from authlib.oidc.core.grants.util import is_openid_scope
from flask import current_app

from ... import clock
from ...extensions import db
from .. import entitlement_gate as gating
from .. import id_tokens, refresh
from ..errors import InvalidGrantError, TemporarilyUnavailableError
from .base import TOKEN_METHODS, mint


_Lost = refresh.Lost  # another request rotated the token first (its work is what a retry gets)


def _context(row) -> dict:
    return {"sid": row.sid, "auth_time": row.auth_time, "amr": row.amr, "acr": row.acr,
            "organization_id": row.organization_id}


def successor(client, user, row, scope: str, issue: gating.Issue) -> dict:
    """The successor response of ``row``: mint the pair, claim ``row`` with the sealed
    response, stage the "token.issued" audit row — inside a rotation's unit of work
    (``refresh.rotation()``, or the gathering of the event loop's refresh). Raises
    ``refresh.Lost`` when the claim is lost on a session's transaction."""
    context = dict(_context(row), **issue.context())
    token, _ = mint(client, user, scope, context, with_refresh=True,
                    family_id=row.family_id, parent_id=row.id)
    token["scope"] = scope
    if is_openid_scope(row.scope):
        # OIDC Core §12.2: same iss/sub/aud/auth_time, new iat, no nonce.
        token["id_token"] = id_tokens.mint(client, user, scope, context,
                                           access_token=token["access_token"])
    if not refresh.claim(row.id, refresh.seal(row.token_hash, token)):
        raise _Lost
    gating.record_issued("refresh_token", client, user.id, issue)
    return token


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        # One SELECT: the token, its person (None when gone or disabled) and the
        # organisation's entitlement version (on Postgres outside the ORM, refresh.py).
        row, self._person, self._org_version = refresh.find_for_grant(refresh_token)
        if row is None or row.expires_at <= clock.now():
            return None
        return row

    def authenticate_user(self, refresh_token):
        return self._person  # read with the token; a disabled person is None

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
                                     self.request.payload.datalist.get("resource"),
                                     version=self._org_version)
        except InvalidGrantError:
            if row.revoked_at is not None or row.rotated_at is not None:
                refresh.revoke_family(row.family_id)
            raise

    def _rotate(self, row) -> dict | None:
        """Mint the successor, claim ``row`` and keep the response, in one transaction.

        One unit of work: the successor's INSERT, the claim (a conditional UPDATE that
        also stores the sealed response) and the "token.issued" audit row commit
        together, and nothing loaded is expired by that commit. None when another
        request won the claim (this one's work is rolled back).
        """
        user = self.authenticate_user(row)
        if user is None:
            refresh.revoke_family(row.family_id)
            raise InvalidGrantError("The person of this token can no longer sign in.")
        scope = self.request.payload.scope or row.scope  # RFC 6749 §6: may narrow
        try:
            with refresh.rotation():
                return successor(self.client, user, row, scope, self.request.issue)
        except _Lost:
            return None

    def _lost(self, row) -> dict:
        token_hash, family_id = row.token_hash, row.family_id
        current = refresh.state(row.id)
        in_grace = current is not None and refresh.within_grace(current)
        kept = refresh.unseal(token_hash, current.successor_response) if in_grace else None
        db.session.rollback()  # end the read
        if kept is not None:
            return kept  # a concurrent or retried use inside the grace window
        if in_grace:
            # Rotated, but its answer cannot be read now (rotated before answers were kept
            # with the rotation): not final, and not a reuse while the window lasts.
            left = current_app.config["IDP"].refresh_token_grace - \
                (clock.now() - current.rotated_at).total_seconds()
            raise TemporarilyUnavailableError("The refresh token is being rotated; try again.",
                                              retry_after=int(left) + 1)
        # Reuse after rotation (or of a revoked token): the family is compromised.
        refresh.revoke_family(family_id)
        raise InvalidGrantError("The refresh token was already used or revoked.")
