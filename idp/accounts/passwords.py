"""Password and client-secret hashing with argon2id (RFC 9106)."""

from __future__ import annotations

import hashlib
import hmac
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
        password_hash = _dummy_hashes[params]
        _verify(password_hash, password)
        return False
    return _verify(password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
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


_verified_secrets: dict[str, bytes] = {}
_VERIFIED_MAX = 4096


def verify_secret(secret_hash: str, secret: str | None) -> bool:
    """Check a client secret against its argon2id hash.

    Client secrets are 256-bit random values, so after one successful argon2
    check this process remembers a SHA-256 of the secret for that hash and
    compares digests in constant time: a slow hash at rest, not on every
    token request. A rotated secret has a new hash, so the memo cannot outlive it.
    """
    if not secret or not isinstance(secret, str) or len(secret) > 512:
        return False
    digest = hashlib.sha256(secret.encode()).digest()
    known = _verified_secrets.get(secret_hash)
    if known is not None:
        return hmac.compare_digest(known, digest)
    if not _verify(secret_hash, secret):
        return False
    if len(_verified_secrets) >= _VERIFIED_MAX:
        _verified_secrets.clear()
    _verified_secrets[secret_hash] = digest
    return True


def generate_secret() -> str:
    """Return a new random client secret (256 bits)."""
    return secrets.token_urlsafe(32)
