"""The entitlement cache in the shared store, keyed by the organisation's version in Postgres.

``organizations.entitlement_version`` is bumped by database triggers in the same
transaction as every change an entitlement is read from (storage/triggers.py). An
entry lives under ``ent:<org>:<version>:<user>``, and a reader asks Postgres for the
version first (a one-row primary-key read, or a column joined into a query the
request runs anyway: the refresh grant, userinfo). So an entry written before a
committed change is never read after it — whether Redis was reachable when the change
committed, restarted, or came back from a partition holding old entries. Order matters:
the version is read before the snapshot, so an entry holds the state of that version
or a newer one, never an older one.

Redis is only a cache here: when it cannot be reached the snapshot is read from
Postgres and not stored (fail closed: "cannot check" never means "allowed"). The TTL
keeps the store from filling with the entries of old versions.
"""

from __future__ import annotations

import json
import logging

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..storage.models import Organization
from ..storage.store import StoreUnavailable, get_store

log = logging.getLogger("idp.orgs")


def version(organization_id: int) -> int | None:
    """The organisation's entitlement version (None when there is no such organisation)."""
    return db.session.scalar(select(Organization.entitlement_version)
                             .where(Organization.id == organization_id))


def _key(organization_id: int, ver: int, user_id: int) -> str:
    return f"ent:{organization_id}:{ver}:{user_id}"


def key(organization_id: int, ver: int, user_id: int) -> str:
    """The store key of a snapshot (for a caller that reads it with other keys at once)."""
    return _key(organization_id, ver, user_id)


# This process's copies of entries it has read, under the same keys, so the same rule
# holds (the version read from Postgres first, then the entry of that version): the event
# loop's userinfo (oidc/loop_endpoints.py) then needs no Redis round trip. Bounded.
_HELD: dict[str, str] = {}
HELD_MAX = 2048


def held(store_key: str) -> str | None:
    """This process's copy of the entry ``store_key`` (from ``key``), if it holds one."""
    return _HELD.get(store_key)


def hold(store_key: str, raw: str) -> None:
    """Keep a copy of the entry ``store_key`` read from the store."""
    if len(_HELD) >= HELD_MAX:
        _HELD.clear()
    _HELD[store_key] = raw


def get(organization_id: int, ver: int, user_id: int) -> dict | None:
    """The snapshot cached under this version; None when absent or the store is down."""
    try:
        raw = get_store().get(_key(organization_id, ver, user_id))
    except StoreUnavailable:
        log.debug("store unavailable: entitlement of org %s read from Postgres", organization_id)
        return None
    return json.loads(raw) if raw else None


def put(organization_id: int, ver: int, user_id: int, snapshot: dict) -> None:
    """Cache a snapshot read at (or after) ``ver``; nothing when the store is down."""
    ttl = current_app.config["IDP"].entitlement_cache_ttl
    try:
        get_store().set(_key(organization_id, ver, user_id), json.dumps(snapshot), ttl=ttl)
    except StoreUnavailable:
        pass

