"""The entitlement cache in the shared store, keyed by a per-organisation version.

Every key of an organisation carries its current version token; invalidating
means writing a new random token, so every instance sharing the store misses at
once and old entries age out (the TTL is only a backstop). A random token rather
than a counter: if the version key is ever lost (eviction, restart), the next
reader mints a fresh one and can never meet an entry written under the old one.
Order matters for correctness: readers fetch the version before reading the
database; writers replace it after their commit — a reader racing a change writes
under a version nobody will ask for again.
"""

from __future__ import annotations

import json
import secrets

from flask import current_app

from ..storage.store import get_store


def _version_key(organization_id: int) -> str:
    return f"ent:ver:{organization_id}"


def version(organization_id: int) -> str:
    """Return the organisation's current cache version (minting one if none)."""
    store = get_store()
    current = store.get(_version_key(organization_id))
    if current is None:
        store.set(_version_key(organization_id), secrets.token_hex(8), nx=True)
        current = store.get(_version_key(organization_id)) or "lost"
    return current


def lookup(organization_id: int, user_id: int) -> tuple[str, dict | None]:
    """The current version and the entry under it (one round trip when a version exists)."""
    ver, raw = get_store().get_versioned(_version_key(organization_id),
                                         f"ent:{organization_id}:", f":{user_id}")
    if ver is None:
        ver = version(organization_id)
        return ver, get(organization_id, ver, user_id)
    return ver, json.loads(raw) if raw else None


def get(organization_id: int, ver: str, user_id: int) -> dict | None:
    raw = get_store().get(f"ent:{organization_id}:{ver}:{user_id}")
    return json.loads(raw) if raw else None


def put(organization_id: int, ver: str, user_id: int, snapshot: dict) -> None:
    ttl = current_app.config["IDP"].entitlement_cache_ttl
    get_store().set(f"ent:{organization_id}:{ver}:{user_id}", json.dumps(snapshot), ttl=ttl)


def invalidate(*organization_ids: int) -> None:
    """Forget every cached entitlement of these organisations, on every instance."""
    store = get_store()
    for organization_id in set(organization_ids):
        store.set(_version_key(organization_id), secrets.token_hex(8))
