"""Emergency revocation: withdraw a signing key everywhere at once.

The key leaves the JWKS, its tokens stop verifying on every instance (the
store's revocation mark is checked on each call; see signer.py), another key of
its alg takes over if it was signing, and ``events.key_revoked`` lets the OIDC
part revoke the refresh-token families its tokens were issued with.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import IntegrityError

from .. import clock, events
from ..extensions import db
from ..storage.transaction import transaction
from .keys import KeystoreError, get_key, keys_in, new_key
from .rotation import StateChanged, transition
from .signer import invalidate, mark_revoked


def revoke(kid: str) -> dict:
    """Emergency: withdraw ``kid`` everywhere at once; replace it if it was signing."""
    row = get_key(kid)
    if row.state == "revoked":
        raise KeystoreError(f"key {row.kid} is already revoked")
    alg, was = row.alg, row.state
    try:
        with transaction():
            transition(row.kid, was, state="revoked", revoked_at=clock.now())
            replacement = _replace(alg) if was == "active" else None
            # Same unit of work: the OIDC part revokes the refresh families it signed for.
            events.key_revoked.send(current_app._get_current_object(), kid=row.kid)
    except (StateChanged, IntegrityError):
        raise KeystoreError(f"key {row.kid} changed meanwhile; run `idp keys list`") from None
    mark_revoked(row.kid)
    invalidate()
    return {"kid": row.kid, "alg": alg, "was": was, "state": "revoked", "activated": replacement}


def _replace(alg: str) -> str:
    """Make another key of ``alg`` active at once (forced: an emergency); return its kid."""
    candidate = next(iter(keys_in(alg, "next")), None)
    if candidate is None:
        candidate = new_key(alg, state="next")
        db.session.flush()
    transition(candidate.kid, "next", state="active", activated_at=clock.now())
    new_key(alg, state="next")  # so the next scheduled rotation has a published key
    db.session.flush()
    return candidate.kid
