"""The user service: create, find, change password, disable. Shared by the CLI and pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from .. import audit, clock
from ..crypto.hashing import hash_password
from ..errors import IdPError
from ..extensions import db
from ..storage.models import User
from ..storage.transaction import transaction

# A pragmatic check (RFC 5322 is far looser); the address is verified by mail later.
EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"']{2,}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class UserError(IdPError):
    """Bad input for a user operation; the message is safe to show."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_email(email: str) -> str:
    email = (email or "").strip()
    if len(email) > 320 or not EMAIL_RE.match(email):
        raise UserError(f"not a valid email address: {email[:80]!r}")
    return email


def validate_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")
    return password


def find_by_email(email: str) -> User | None:
    """Return the user with this email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.email_key == normalise_email(email)))


def get_user(email: str) -> User:
    user = find_by_email(email)
    if user is None:
        raise UserError(f"no user with email {email[:80]!r}")
    return user


def create_user(email: str, password: str | None = None, given_name: str | None = None,
                family_name: str | None = None, locale: str | None = None,
                email_verified: bool = False) -> User:
    """Create a person; refuse a duplicate email (case-insensitive)."""
    user = new_user(email, password, given_name, family_name, locale, email_verified)
    with transaction() as session:
        session.add(user)
    return user


def new_user(email: str, password: str | None = None, given_name: str | None = None,
             family_name: str | None = None, locale: str | None = None,
             email_verified: bool = False) -> User:
    """A checked, unsaved person, for a caller that adds it in its own unit of work
    (an invitation accepted by sign-up: the account and the membership, or neither)."""
    email = validate_email(email)
    if password is not None:
        validate_password(password)
    if find_by_email(email) is not None:
        raise UserError(f"a user with email {email!r} already exists")
    return User(email=email, email_key=normalise_email(email), given_name=given_name,
                family_name=family_name, locale=locale, email_verified=email_verified,
                password_hash=hash_password(password) if password else None)


def set_password(email: str, password: str) -> User:
    validate_password(password)
    user = get_user(email)
    with transaction():
        user.password_hash = hash_password(password)
    audit.record("account.password_changed", user_id=user.id, email=user.email, outcome="success")
    return user


def set_disabled(email: str, disabled: bool = True) -> User:
    user = get_user(email)
    with transaction():
        user.disabled = disabled
    audit.record("account.disabled" if disabled else "account.enabled", user_id=user.id,
                 email=user.email, outcome="success")
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id)))


def set_password_hash(user: User, new_hash: str) -> None:
    """Store a new hash of the same password (argon2 parameters changed)."""
    with transaction():
        user.password_hash = new_hash


def record_login(user: User, new_hash: str | None = None) -> None:
    """Stamp the login time; store a rehashed password when parameters changed."""
    with transaction():
        user.last_login_at = clock.now()
        if new_hash:
            user.password_hash = new_hash
