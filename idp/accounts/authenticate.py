"""authenticate(): email + password → User or None, with one answer for every failure."""

from __future__ import annotations

from ..storage.models import User
from .passwords import hash_password, needs_rehash, verify_password
from .users import find_by_email, record_login

# One message for every failure: no account enumeration.
LOGIN_FAILED = "The email or password is incorrect."


def authenticate(email: str, password: str) -> User | None:
    """Return the user when the password matches and the account is enabled."""
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > 1024:
        verify_password(None, "x")
        return None
    user = find_by_email(email)
    # Unknown emails pay a hash too, so timing does not tell who has an account.
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        return None
    # Rehash on login when the configured argon2 parameters changed.
    record_login(user, hash_password(password) if needs_rehash(user.password_hash) else None)
    return user
