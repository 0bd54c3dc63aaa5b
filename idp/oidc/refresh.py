"""Refresh tokens: opaque, stored as HMAC-SHA256 under the server secret, rotated once.

Rotation is one conditional UPDATE (``... WHERE rotated_at IS NULL AND
revoked_at IS NULL RETURNING id``): exactly one request wins a token. The
winner stores its whole token response, AES-GCM encrypted, under the old
token's digest for ``refresh_token_grace`` seconds; concurrent or retried
uses inside that window wait for it and get the same successor pair. A use
after the window, or of a revoked token, revokes the whole family
(RFC 9700 §4.14.2, OAuth 2.1 §4.3.1).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from datetime import timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import insert, select, update

from .. import clock
from ..extensions import db
from ..storage.models import RefreshToken, User
from ..storage.store import get_store
from ..storage.transaction import transaction

WAIT_STEP = 0.02  # seconds between looks for the winner's response


def _secret() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def digest(token: str) -> str:
    """The stored verifier of a refresh token (fosite-style: lookup by HMAC)."""
    return hmac.new(_secret(), token.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _valid(token) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= 200


def find(token) -> RefreshToken | None:
    if not _valid(token):
        return None
    return db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token)))


def find_with_person(token) -> tuple[RefreshToken | None, User | None]:
    """The row of ``token`` and its person (None if gone), in one SELECT.

    While the caller holds the person, the session's identity map has it, so
    ``grants.base.load_user`` (which refuses a disabled person) needs no second query.
    """
    if not _valid(token):
        return None, None
    found = db.session.execute(
        select(RefreshToken, User).outerjoin(User, User.id == RefreshToken.user_id)
        .where(RefreshToken.token_hash == digest(token))
    ).first()
    return (found[0], found[1]) if found else (None, None)


def new_family_id() -> str:
    return secrets.token_urlsafe(24)


def issue(client, user_id: int, scope: str, context: dict, *, offline: bool, kid: str | None,
          family_id: str | None = None, parent_id: int | None = None) -> str:
    """Add a new refresh token row (the caller's transaction commits); return the token."""
    token = secrets.token_urlsafe(48)
    lifetime = current_app.config["IDP"].refresh_token_lifetime
    # A plain INSERT on the session's connection, in its transaction: nothing reads the
    # new row back in this request, so the ORM's unit-of-work flush would be pure cost.
    db.session.connection().execute(insert(RefreshToken.__table__), {
        "token_hash": digest(token), "family_id": family_id or new_family_id(),
        "parent_id": parent_id, "client_id": client.client_id, "user_id": user_id,
        "sid": context.get("sid"), "scope": scope or "", "offline": offline, "kid": kid,
        "auth_time": context.get("auth_time"), "amr": list(context.get("amr") or []),
        "acr": context.get("acr"), "organization_id": context.get("organization_id"),
        "created_at": clock.now(), "expires_at": clock.now() + timedelta(seconds=lifetime),
        "rotated_at": None, "revoked_at": None})
    return token


def family_of(token: str) -> str | None:
    row = find(token)
    return row.family_id if row else None


def claim(row_id: int) -> bool:
    """Mark a token rotated, atomically; True for the one caller that wins.

    Runs in the caller's transaction (the one that inserts the successor): the row
    stays locked until it commits, so a concurrent claim waits and then loses, and
    a rotation that fails leaves the token unused.
    """
    stmt = (update(RefreshToken)
            .where(RefreshToken.id == row_id, RefreshToken.rotated_at.is_(None),
                   RefreshToken.revoked_at.is_(None))
            .values(rotated_at=clock.now())
            .returning(RefreshToken.id)
            .execution_options(synchronize_session=False))
    return db.session.execute(stmt).scalar() is not None


def state(row_id: int) -> RefreshToken | None:
    """Re-read a token's row from the database (after losing a race)."""
    db.session.expire_all()
    return db.session.get(RefreshToken, row_id)


def within_grace(row: RefreshToken) -> bool:
    grace = current_app.config["IDP"].refresh_token_grace
    return (row.revoked_at is None and row.rotated_at is not None
            and (clock.now() - row.rotated_at).total_seconds() <= grace)


def _revoke(*conditions) -> int:
    stmt = (update(RefreshToken).where(RefreshToken.revoked_at.is_(None), *conditions)
            .values(revoked_at=clock.now()))
    with transaction() as session:
        return session.execute(stmt).rowcount


def revoke_family(family_id: str) -> int:
    """Revoke every token of a family; return how many were live."""
    return _revoke(RefreshToken.family_id == family_id)


def revoke_for_user(user_id: int, client_ids=None) -> int:
    """Revoke a person's refresh tokens (at ``client_ids`` only, when given)."""
    conditions = [RefreshToken.user_id == user_id]
    if client_ids is not None:
        conditions.append(RefreshToken.client_id.in_(list(client_ids)))
    return _revoke(*conditions)


def revoke_for_session(sid: str) -> int:
    """A session ended: its refresh tokens go, except offline_access ones (OIDC Core §11)."""
    families = select(RefreshToken.family_id).where(RefreshToken.sid == sid,
                                                    RefreshToken.offline.is_(False))
    return _revoke(RefreshToken.family_id.in_(families))


def revoke_for_kid(kid: str) -> int:
    """A signing key was revoked: every family whose tokens it signed goes."""
    families = select(RefreshToken.family_id).where(RefreshToken.kid == kid)
    return _revoke(RefreshToken.family_id.in_(families))


# --- the grace-window response cache ---------------------------------------------------

def _aead() -> AESGCM:
    key = hashlib.sha256(b"idp refresh grace response\x00" + _secret()).digest()
    return AESGCM(key)


def remember_response(token_hash: str, response: dict) -> None:
    """Keep the winner's response, encrypted, for the grace window."""
    nonce = os.urandom(12)
    sealed = _aead().encrypt(nonce, json.dumps(response).encode(), token_hash.encode())
    ttl = max(current_app.config["IDP"].refresh_token_grace, 1)
    get_store().set(f"refresh:grace:{token_hash}",
                    base64.b64encode(nonce + sealed).decode(), ttl=ttl)


def wait_for_response(token_hash: str, timeout: float) -> dict | None:
    """The winner's response, once it is stored (None when it never comes)."""
    deadline = time.monotonic() + timeout
    while True:
        raw = get_store().get(f"refresh:grace:{token_hash}")
        if raw is not None:
            blob = base64.b64decode(raw)
            plain = _aead().decrypt(blob[:12], blob[12:], token_hash.encode())
            return json.loads(plain)
        if time.monotonic() >= deadline:
            return None
        time.sleep(WAIT_STEP)
