"""TOTP second factor (RFC 6238) with single-use recovery codes.

The secret is sealed with AES-GCM under the key-encryption key, bound to the
user id (crypto/envelope.py). A code is accepted for the current step and
one step either side (RFC 6238 §5.2 allows one step of drift), and only when
its step is later than the last one accepted — one conditional UPDATE, so a
code cannot be replayed, even by two requests at once. Recovery codes are
argon2id hashes; using one is one conditional UPDATE on ``used_at``.
"""

from __future__ import annotations

import hmac
import secrets

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, or_, select, update

from .. import clock
from ..crypto import envelope
from ..crypto.hashing import hash_password, verify_password
from ..extensions import db
from ..storage.models import Membership, Organization, RecoveryCode, TotpCredential, User
from ..storage.store import get_store
from ..storage.transaction import transaction

DRIFT_STEPS = 1
RECOVERY_CODES = 10
ISSUER_NAME = "Tomps"


def _kek() -> bytes:
    return current_app.extensions["idp.kek"]


def _aad(user_id: int) -> str:
    return f"totp:{user_id}"


def has_totp(user_id: int) -> bool:
    return db.session.get(TotpCredential, user_id) is not None


def required_for(user_id: int) -> bool:
    """True when the person belongs to an organisation that requires a second factor."""
    query = select(Organization.id).join(Membership, Membership.organization_id == Organization.id)
    query = query.where(Membership.user_id == user_id, Organization.require_totp.is_(True))
    return db.session.scalar(query.limit(1)) is not None


# --- enrolment -------------------------------------------------------------------------------

def pending_secret(user_id: int) -> str:
    """The secret being enrolled (kept sealed in the store until confirmed), made on first call."""
    store, key = get_store(), f"totp:enrol:{user_id}"
    sealed = store.get(key)
    if sealed:
        return envelope.open_(_kek(), sealed, _aad(user_id)).decode()
    secret = pyotp.random_base32()
    store.set(key, envelope.seal(_kek(), secret.encode(), _aad(user_id)),
              ttl=current_app.config["IDP"].interaction_lifetime)
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER_NAME)


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code in a data: URI (CSP allows img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def confirm_enrolment(user_id: int, code: str) -> list[str] | None:
    """Store the pending secret when ``code`` matches it; return the recovery codes (shown once)."""
    key = f"totp:enrol:{user_id}"
    sealed = get_store().get(key)
    if not sealed or not isinstance(code, str):
        return None
    secret = envelope.open_(_kek(), sealed, _aad(user_id)).decode()
    step = _matching_step(secret, code)
    if step is None:
        return None
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    with transaction() as session:
        session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        session.add(TotpCredential(user_id=user_id, secret_sealed=sealed, last_step=step))
        session.add_all(RecoveryCode(user_id=user_id, code_hash=hash_password(c)) for c in codes)
    get_store().delete(key)
    return codes


def remove(user_id: int) -> bool:
    """Remove a person's second factor (operator action); return whether there was one."""
    with transaction() as session:
        gone = session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    return gone.rowcount > 0


def rewrap(old_kek: bytes, new_kek: bytes) -> int:
    """Re-seal every TOTP secret under a new key-encryption key (for `idp keys rewrap`)."""
    rows = db.session.scalars(select(TotpCredential)).all()
    with transaction():
        for row in rows:
            row.secret_sealed = envelope.reseal(old_kek, new_kek, row.secret_sealed, _aad(row.user_id))
    return len(rows)


def _recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits, shown as xxxxx-xxxxx
    return f"{raw[:5]}-{raw[5:]}"


# --- verification ----------------------------------------------------------------------------

def _matching_step(secret: str, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(clock.timestamp())
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify(user_id: int, code: str) -> str | None:
    """Check a second-factor code; return "totp", "recovery", "replay" or None (wrong)."""
    if not isinstance(code, str) or len(code) > 64:
        return None
    credential = db.session.get(TotpCredential, user_id)
    if credential is None:
        return None
    secret = envelope.open_(_kek(), credential.secret_sealed, _aad(user_id)).decode()
    step = _matching_step(secret, code)
    if step is not None:
        return "totp" if _advance_step(user_id, step) else "replay"
    return "recovery" if _use_recovery_code(user_id, code.strip().lower()) else None


def _advance_step(user_id: int, step: int) -> bool:
    # UPDATE ... WHERE last_step < step RETURNING: the atomic "each step once".
    with transaction() as session:
        row = session.execute(
            update(TotpCredential)
            .where(TotpCredential.user_id == user_id,
                   or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step))
            .values(last_step=step).returning(TotpCredential.user_id)).first()
    return row is not None


def _use_recovery_code(user_id: int, code: str) -> bool:
    if len(code) != 11:
        return False
    unused = db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).all()
    for candidate in unused:
        if verify_password(candidate.code_hash, code):
            with transaction() as session:
                row = session.execute(
                    update(RecoveryCode)
                    .where(RecoveryCode.id == candidate.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=clock.now()).returning(RecoveryCode.id)).first()
            return row is not None
    return False


def unused_recovery_codes(user_id: int) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).all())

