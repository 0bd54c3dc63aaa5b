"""Client secrets: generated, then verified once with argon2id and remembered (a verifier)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

from ..crypto.hashing import verify
from ..storage.store import get_store

_verified_secrets: dict[str, bytes] = {}
_VERIFIED_MAX = 4096
VERIFIER_TTL = 86400  # how long the store remembers a verified client secret


def verify_secret(secret_hash: str, secret: str | None) -> bool:
    """Check a client secret against its argon2id hash.

    Client secrets are 256-bit random values, so after one successful argon2
    check the IdP remembers that secret for that hash: this process keeps a
    SHA-256 of it, and the shared store an HMAC of it under the server's secret
    key (a verifier, like a refresh token's digest: useless without the secret).
    Later checks compare digests in constant time — a slow hash at rest, not on
    every token request, in any instance. A rotated secret has a new hash, so
    neither memo can outlive it.
    """
    known = known_secret(secret_hash, secret)
    if known is not None:
        return known
    if not verify(secret_hash, secret):
        return False
    _remember(secret_hash, secret)
    get_store().set(_verifier_key(secret_hash), _verifier(secret_hash, secret), ttl=VERIFIER_TTL)
    return True


def known_secret(secret_hash: str, secret: str | None) -> bool | None:
    """Whether ``secret`` matches, when that is known without the slow hash; else None."""
    if not secret or not isinstance(secret, str) or len(secret) > 512:
        return False
    known = _verified_secrets.get(secret_hash)
    if known is not None:
        return hmac.compare_digest(known, hashlib.sha256(secret.encode()).digest())
    stored = get_store().get(_verifier_key(secret_hash))
    if stored is not None and hmac.compare_digest(stored, _verifier(secret_hash, secret)):
        _remember(secret_hash, secret)
        return True
    return None  # a mismatch with the store is not proof (the server key may have changed)


def remembered_secret(secret_hash: str, secret: str | None) -> bool:
    """Whether ``secret`` matches, known from this process's memory alone (no store read):
    False also when it is not known here yet (the event loop's endpoints then let the
    thread path verify it)."""
    if not secret or not isinstance(secret, str) or len(secret) > 512:
        return False
    known = _verified_secrets.get(secret_hash)
    return known is not None and hmac.compare_digest(
        known, hashlib.sha256(secret.encode()).digest())


def _remember(secret_hash: str, secret: str) -> None:
    if len(_verified_secrets) >= _VERIFIED_MAX:
        _verified_secrets.clear()
    _verified_secrets[secret_hash] = hashlib.sha256(secret.encode()).digest()


def _verifier_key(secret_hash: str) -> str:
    return "client-secret-ok:" + hashlib.sha256(secret_hash.encode()).hexdigest()[:40]


def _verifier(secret_hash: str, secret: str) -> str:
    key = str(current_app.secret_key).encode()
    message = b"client-secret\0" + secret_hash.encode() + b"\0" + secret.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def generate_secret() -> str:
    """Return a new random client secret (256 bits)."""
    return secrets.token_urlsafe(32)
