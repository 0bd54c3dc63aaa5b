"""The only code that touches private keys: sign JWTs with the active key.

Decrypted keys are cached per process; the cache is dropped when another
instance announces a key change on the ``keys`` channel, and after
``CACHE_SECONDS`` in any case, so every instance agrees within seconds.
"""

from __future__ import annotations

import threading
import time

from flask import current_app
from joserfc import jwt
from joserfc.jwk import KeySet, import_key

from ..storage.store import get_store
from . import envelope
from .keys import active_keys, kek, published_keys

CACHE_SECONDS = 3.0
CHANNEL = "keys"


class NoSigningKey(Exception):
    """No active key for the algorithm asked for."""


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.signing: dict[str, tuple[str, object]] = {}  # alg → (kid, private key)
        self.public: KeySet | None = None
        self.public_dicts: list[dict] = []

    def stale(self) -> bool:
        return time.monotonic() - self.loaded_at > CACHE_SECONDS


def _cache() -> _Cache:
    return current_app.extensions["idp.signer_cache"]


def invalidate(broadcast: bool = True) -> None:
    """Drop this process's cached keys, and (by default) tell every other instance."""
    _cache().loaded_at = 0.0
    if broadcast:
        get_store().publish(CHANNEL, "changed")


def _load(cache: _Cache) -> None:
    secret = kek()
    signing = {}
    for row in active_keys():
        pem = envelope.open_(secret, row.private_key_encrypted, row.kid)
        signing[row.alg] = (row.kid, import_key(pem, _kty(row.alg)))
    public_dicts = [dict(row.public_jwk) for row in published_keys()]
    cache.signing = signing
    cache.public_dicts = public_dicts
    cache.public = KeySet([import_key(d) for d in public_dicts]) if public_dicts else KeySet([])
    cache.loaded_at = time.monotonic()


def _kty(alg: str) -> str:
    return {"RS256": "RSA", "PS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}[alg]


def _fresh() -> _Cache:
    cache = _cache()
    if cache.stale():
        with cache.lock:
            if cache.stale():
                _load(cache)
    return cache


def sign(claims: dict, alg: str | None = None, typ: str | None = None) -> str:
    """Return a compact JWS of ``claims`` signed by the active key for ``alg``."""
    alg = alg or current_app.config["IDP"].default_signing_alg
    cache = _fresh()
    if alg not in cache.signing:
        raise NoSigningKey(f"no active {alg} signing key")
    kid, key = cache.signing[alg]
    header = {"alg": alg, "kid": kid}
    if typ:
        header["typ"] = typ
    return jwt.encode(header, claims, key, algorithms=[alg])


def public_keyset() -> KeySet:
    """The published public keys (next, active, retired) for verification."""
    return _fresh().public


def public_jwks() -> dict:
    """The JWKS document: public members only."""
    return {"keys": [dict(d) for d in _fresh().public_dicts]}


def active_algs() -> list[str]:
    return sorted(_fresh().signing)
