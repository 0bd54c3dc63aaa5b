"""authenticate(): email + password → User or None, with one answer for every failure."""

from __future__ import annotations

from ..crypto.hashing import hash_password, needs_rehash, verify_password
from ..storage.models import User
from ..i18n import N_
from .users import find_by_email, record_login, set_password_hash

# One message for every failure: no account enumeration.
LOGIN_FAILED = N_("The email or password is incorrect.")


def check_credentials(email: str, password: str) -> tuple[User | None, str | None]:
    """Return (user, None) on success, or (None, private reason) — the reason is for the audit log."""
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > 1024:
        verify_password(None, "x")
        return None, "malformed"
    user = find_by_email(email)
    # Unknown emails pay a hash too, so timing does not tell who has an account.
    ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        return None, "unknown_user"
    if not ok:
        return None, "bad_password"
    if user.disabled:
        return None, "disabled"
    # Rehash when the configured argon2 parameters changed (the plain password is at hand only now).
    if needs_rehash(user.password_hash):
        set_password_hash(user, hash_password(password))
    return user, None


def authenticate(email: str, password: str) -> User | None:
    """Return the user when the password matches and the account is enabled (a one-step login)."""
    user = check_credentials(email, password)[0]
    if user is not None:
        record_login(user)
    return user
