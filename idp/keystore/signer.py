"""The only code that touches private keys: sign JWTs with the active key.

Decrypted keys are cached per process; the cache is dropped when another
instance announces a key change on the ``keys`` channel, and after
``CACHE_SECONDS`` in any case, so every instance agrees within seconds.
A revoked kid is also marked in the shared store, which ``sign`` and
``jwks.verify`` consult on every call: revocation is immediate on every
instance, without waiting for a cache to expire.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, g, has_request_context
from joserfc import jwt
from joserfc.jwk import KeySet, import_key

from ..storage.store import get_store
from .keys import KTY, PRIVATE_MEMBERS, active_keys, jws_registry, open_private, published_keys

CACHE_SECONDS = 3.0
CHANNEL = "keys"
# Far longer than any instance can hold a key in its cache (CACHE_SECONDS, or a
# load that raced the revocation); after that the database state says "revoked".
REVOKED_MARK_SECONDS = 3600


# Kids whose revoked marks the caller has just read (none set), while it signs on the
# event loop (oidc/loop_endpoints.py): sign() then neither reloads keys nor reads the store.
_CHECKED: ContextVar[frozenset | None] = ContextVar("idp_signer_checked", default=None)


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


def revoked_key(kid: str) -> str:
    """The store key of ``kid``'s revoked mark."""
    return f"keys:revoked:{kid}"


def mark_revoked(kid: str) -> None:
    """Tell every instance, at once, that ``kid`` must neither sign nor verify."""
    get_store().set(revoked_key(kid), "1", ttl=REVOKED_MARK_SECONDS)


def is_revoked(kid: str) -> bool:
    return get_store().get(revoked_key(kid)) is not None


@contextmanager
def checked(kids):
    """Sign inside this block with the keys cached now, ``kids`` known to be unrevoked (the
    caller read their marks in this request): no database, no store (the event loop)."""
    marker = _CHECKED.set(frozenset(kids))
    try:
        yield
    finally:
        _CHECKED.reset(marker)


def signing_kid(alg: str) -> str | None:
    """The kid that signs ``alg`` now, from this process's cache (None: not loaded/none)."""
    held = _cache().signing.get(alg)
    return held[0] if held else None


def _revoked_now(kid: str) -> bool:
    """``is_revoked``, read once per request for a kid found unrevoked (a request lasts ms)."""
    known = _CHECKED.get()
    if known is not None and kid in known:
        return False
    if not has_request_context():
        return is_revoked(kid)  # a CLI command or worker may hold its context for long
    fine = g.setdefault("idp_signer_unrevoked", set())
    if kid in fine:
        return False
    if is_revoked(kid):
        return True
    fine.add(kid)
    return False


def _load(cache: _Cache) -> None:
    # A kid names one immutable key: keep what was decrypted and imported before
    # (an RSA import with its key checks costs tens of milliseconds; every worker
    # reloads every CACHE_SECONDS). Which kids sign is still read from the database.
    imported = {kid: key for kid, key in cache.signing.values()}
    signing = {}
    for row in active_keys():
        key = imported.get(row.kid) or import_key(open_private(row), KTY[row.alg])
        signing[row.alg] = (row.kid, key)
    public_dicts = [_public_only(row.public_jwk) for row in published_keys()]
    cache.signing = signing
    cache.public_dicts = public_dicts
    cache.public = KeySet([import_key(d) for d in public_dicts]) if public_dicts else KeySet([])
    cache.loaded_at = time.monotonic()


def _public_only(jwk: dict) -> dict:
    # The column holds public members only; filtering again costs nothing and
    # keeps a private member from ever being served even if one slipped in.
    return {k: v for k, v in jwk.items() if k not in PRIVATE_MEMBERS}


def _fresh(force: bool = False) -> _Cache:
    cache = _cache()
    if _CHECKED.get() is not None and not force:
        return cache  # signing on the loop: the caller checked the cache is fresh
    if force or cache.stale():
        with cache.lock:
            if force or cache.stale():
                _load(cache)
    return cache


def sign(claims: dict, alg: str | None = None, typ: str | None = None) -> str:
    """Return a compact JWS of ``claims`` signed by the active key for ``alg``."""
    alg = alg or current_app.config["IDP"].default_signing_alg
    cache = _fresh()
    # One store read per key and request on the usual path: a token response signs the
    # access token and the ID token with the same key, the mark is read for the first.
    # (Checked again after a reload, not twice for a key that is fine.)
    if alg in cache.signing and _revoked_now(cache.signing[alg][0]):
        cache = _fresh(force=True)  # revoked on another instance a moment ago
        if alg in cache.signing and is_revoked(cache.signing[alg][0]):
            raise NoSigningKey(f"no active {alg} signing key")
    if alg not in cache.signing:
        raise NoSigningKey(f"no active {alg} signing key")
    kid, key = cache.signing[alg]
    header = {"alg": alg, "kid": kid}
    if typ:
        header["typ"] = typ
    return jwt.encode(header, claims, key, algorithms=[alg], registry=jws_registry([alg]))


def public_keyset() -> KeySet:
    """The published public keys (next, active, retired) for verification."""
    return _fresh().public


def public_jwks() -> dict:
    """The JWKS document: public members only (same as ``jwks.jwks_document()``)."""
    return {"keys": [dict(d) for d in _fresh().public_dicts]}

