"""Refresh tokens: opaque, stored as HMAC-SHA256 under the server secret, rotated once.

Rotation is one conditional UPDATE (``... WHERE rotated_at IS NULL AND
revoked_at IS NULL RETURNING id``): exactly one request wins a token. The
same UPDATE keeps the winner's whole token response, AES-GCM sealed, in the
old token's row (``successor_response``), so it commits with the rotation or
not at all: a concurrent use waits on the row lock and then reads it, and a
retry whose answer was lost (Redis, Postgres or the network failing after the
commit) reads it too, for ``refresh_token_grace`` seconds. A use after the
window, or of a revoked token, revokes the whole family (RFC 9700 §4.14.2,
OAuth 2.1 §4.3.1).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from contextlib import contextmanager
from datetime import timedelta

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from psycopg.types.json import Json
from sqlalchemy import insert, select, update

from .. import clock
from ..extensions import db
from ..storage import hot
from ..storage.models import Organization, RefreshToken, User
from ..storage.transaction import transaction
from .person import Person


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


def find_with_person(token) -> tuple[RefreshToken | None, User | None, int | None]:
    """The row of ``token``, its person (None if gone) and its organisation's entitlement
    version (None without one), in one SELECT.

    While the caller holds the person, the session's identity map has it, so
    ``grants.base.load_user`` (which refuses a disabled person) needs no second query;
    the version is what the entitlement cache is checked against (orgs/cache.py).
    """
    if not _valid(token):
        return None, None, None
    found = db.session.execute(
        select(RefreshToken, User, Organization.entitlement_version)
        .outerjoin(User, User.id == RefreshToken.user_id)
        .outerjoin(Organization, Organization.id == RefreshToken.organization_id)
        .where(RefreshToken.token_hash == digest(token))
    ).first()
    return (found[0], found[1], found[2]) if found else (None, None, None)


class TokenRow:
    """The columns of a refresh token the grant reads, from the hot path's one SELECT."""

    __slots__ = ("id", "token_hash", "family_id", "client_id", "user_id", "sid", "scope",
                 "auth_time", "amr", "acr", "organization_id", "expires_at", "rotated_at",
                 "revoked_at")

    def __init__(self, *values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)

    get_scope = RefreshToken.get_scope
    check_client = RefreshToken.check_client


# storage/hot.py: fixed texts, prepared on their connection after the first use.
FIND_WITH_PERSON = (
    "SELECT t.id, t.token_hash, t.family_id, t.client_id, t.user_id, t.sid, t.scope,"
    " t.auth_time, t.amr, t.acr, t.organization_id, t.expires_at, t.rotated_at, t.revoked_at,"
    " u.id, u.email, u.given_name, u.family_name, u.locale, u.email_verified, u.updated_at,"
    " u.disabled, o.entitlement_version"
    " FROM refresh_tokens t LEFT JOIN users u ON u.id = t.user_id"
    " LEFT JOIN organizations o ON o.id = t.organization_id WHERE t.token_hash = %s")


def find_for_grant(token):
    """``find_with_person`` for the refresh grant: on Postgres one prepared SELECT outside
    the ORM, giving a ``TokenRow`` and a ``Person`` (None when gone or disabled)."""
    pool = hot.hot_sql()
    if pool is None:
        row, person, version = find_with_person(token)
        return row, person if person is not None and not person.disabled else None, version
    if not _valid(token):
        return None, None, None
    found = pool.fetchone(FIND_WITH_PERSON, (digest(token),))
    if found is None:
        return None, None, None
    person = Person(*found[14:21]) if found[14] is not None and not found[21] else None
    return TokenRow(*found[:14]), person, found[22]


class Lost(Exception):
    """Another request claimed the token first (nothing of this rotation was written)."""


# The rotation in one statement, so one round trip and one transaction: the claim is a
# conditional UPDATE, and the successor and the audit row are inserted only FROM what it
# claimed — a request that loses the claim (the row lock, then rotated_at is set) writes
# nothing. Postgres casts the untyped parameters to the target columns.
ROTATE = (
    "WITH claimed AS (UPDATE refresh_tokens SET rotated_at = %(claim_at)s,"
    " successor_response = %(claim_sealed)s WHERE id = %(claim_id)s AND rotated_at IS NULL"
    " AND revoked_at IS NULL RETURNING id),"
    " successor AS (INSERT INTO refresh_tokens (token_hash, family_id, parent_id, client_id,"
    " user_id, sid, scope, offline, kid, auth_time, amr, acr, organization_id, created_at,"
    " expires_at, rotated_at, revoked_at) SELECT %(new_token_hash)s, %(new_family_id)s,"
    " %(new_parent_id)s, %(new_client_id)s, %(new_user_id)s, %(new_sid)s, %(new_scope)s,"
    " %(new_offline)s, %(new_kid)s, %(new_auth_time)s, %(new_amr)s, %(new_acr)s,"
    " %(new_organization_id)s, %(new_created_at)s, %(new_expires_at)s, NULL, NULL"
    " FROM claimed),"
    " audit AS (INSERT INTO audit_events (at, type, user_id, email, client_id, ip, outcome,"
    " reason, detail) SELECT %(audit_at)s, %(audit_type)s, %(audit_user_id)s,"
    " %(audit_email)s, %(audit_client_id)s, %(audit_ip)s, %(audit_outcome)s,"
    " %(audit_reason)s, %(audit_detail)s FROM claimed)"
    " SELECT count(*) FROM claimed")


@contextmanager
def rotation():
    """The unit of work of one rotation: successor INSERT, claim, audit row, one commit.

    On Postgres the writes inside are gathered (storage/hot.py) and sent as ``ROTATE``
    when the block ends: one round trip. Elsewhere the session's transaction. Either
    way a lost claim raises ``Lost`` and nothing is written.
    """
    pool = hot.hot_sql()
    if pool is None:
        with transaction(expire=False):
            yield
        return
    with hot.gathering() as statement:
        yield
    won = pool.write(ROTATE, rotate_params(statement))
    if not won or won[0] != 1:
        raise Lost


def rotate_params(statement: hot.Statement) -> dict:
    """The parameters of ``ROTATE`` from a gathered rotation (claim, successor, audit)."""
    if set(statement.parts) != {"claim", "new", "audit"}:
        raise RuntimeError(f"a rotation gathered {sorted(statement.parts)}")
    return statement.params()


def new_family_id() -> str:
    return secrets.token_urlsafe(24)


def issue(client, user_id: int, scope: str, context: dict, *, offline: bool, kid: str | None,
          family_id: str | None = None, parent_id: int | None = None) -> str:
    """Add a new refresh token row (the caller's transaction commits); return the token."""
    token = secrets.token_urlsafe(48)
    lifetime = current_app.config["IDP"].refresh_token_lifetime
    values = {
        "token_hash": digest(token), "family_id": family_id or new_family_id(),
        "parent_id": parent_id, "client_id": client.client_id, "user_id": user_id,
        "sid": context.get("sid"), "scope": scope or "", "offline": offline, "kid": kid,
        "auth_time": context.get("auth_time"), "amr": list(context.get("amr") or []),
        "acr": context.get("acr"), "organization_id": context.get("organization_id"),
        "created_at": clock.now(), "expires_at": clock.now() + timedelta(seconds=lifetime),
        "rotated_at": None, "revoked_at": None}
    unit = hot.current()
    if unit is not None:  # gathered into the rotation's one statement (``rotation``)
        unit.put("new", dict(values, amr=Json(values["amr"])))
        return token
    # A plain INSERT on the session's connection, in its transaction: nothing reads the
    # new row back in this request, so the ORM's unit-of-work flush would be pure cost.
    db.session.connection().execute(insert(RefreshToken.__table__), values)
    return token


def claim(row_id: int, sealed_response: str) -> bool:
    """Mark a token rotated and keep its successor response, atomically; True for the winner.

    Runs in the caller's transaction (the one that inserts the successor): the row
    stays locked until it commits, so a concurrent claim waits and then loses, and
    a rotation that fails leaves the token unused.
    """
    unit = hot.current()
    if unit is not None:  # decided when the rotation's one statement runs (``rotation``)
        unit.put("claim", {"at": clock.now(), "sealed": sealed_response, "id": row_id})
        return True
    stmt = (update(RefreshToken)
            .where(RefreshToken.id == row_id, RefreshToken.rotated_at.is_(None),
                   RefreshToken.revoked_at.is_(None))
            .values(rotated_at=clock.now(), successor_response=sealed_response)
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


# --- the successor response kept with the rotation ----------------------------------

def _aead() -> AESGCM:
    key = hashlib.sha256(b"idp refresh grace response\x00" + _secret()).digest()
    return AESGCM(key)


def seal(token_hash: str, response: dict) -> str:
    """The winner's response, encrypted and bound to the old token's digest."""
    nonce = os.urandom(12)
    sealed = _aead().encrypt(nonce, orjson.dumps(response), token_hash.encode())
    return base64.b64encode(nonce + sealed).decode()


def unseal(token_hash: str, sealed: str | None) -> dict | None:
    """The response ``seal`` kept; None when there is none (or it cannot be opened)."""
    if not sealed:
        return None
    try:
        blob = base64.b64decode(sealed)
        return json.loads(_aead().decrypt(blob[:12], blob[12:], token_hash.encode()))
    except (InvalidTag, ValueError):  # another secret key, or not ours
        return None
