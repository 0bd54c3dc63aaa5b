"""argon2id hashing (RFC 9106) with the configured parameters: passwords, recovery codes,
client secrets."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hashers: dict[tuple, PasswordHasher] = {}
_dummy_hashes: dict[tuple, str] = {}


def _params() -> tuple[int, int, int]:
    s = current_app.config["IDP"]
    return (s.argon2_time_cost, s.argon2_memory_cost, s.argon2_parallelism)


def hasher() -> PasswordHasher:
    """Return the argon2id hasher for the configured parameters."""
    params = _params()
    if params not in _hashers:
        t, m, p = params
        _hashers[params] = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p, type=Type.ID)
    return _hashers[params]


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash, still pay one hash so timing tells nothing."""
    if password_hash is None:
        params = _params()
        if params not in _dummy_hashes:
            _dummy_hashes[params] = hasher().hash(secrets.token_urlsafe(16))
        verify(_dummy_hashes[params], password)
        return False
    return verify(password_hash, password)


def verify(password_hash: str, password: str) -> bool:
    """One argon2id verification (the slow step); False for a mismatch or a bad hash."""
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the configured ones."""
    try:
        return hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
