"""A per-process cache of registered clients for the protocol endpoints.

Every authorize, token, introspection and revocation request looks up its
client; reading the row each time cost a pooled connection (with its
pre-ping), a SELECT and, after each commit on the token path, a reload
(docs/performance.md). Entries are detached snapshots of the row, read with a
private session so the request's own session is never touched, and kept
``CACHE_SECONDS`` at most. Every change made through ``idp.clients.registry``
(create, update, rotate-secret, delete) drops the entry here at once and, on
the store's ``clients`` channel, in every other process (as the signer's key
cache does): a rotated secret or a deleted client stops working everywhere
within moments. Unknown client ids are never cached.
"""

from __future__ import annotations

import threading
import time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..storage.models import Client
from ..storage.store import get_store

CACHE_SECONDS = 5.0
CHANNEL = "clients"
ALL = "*"


class ClientCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[float, Client]] = {}

    def drop(self, client_id) -> None:
        if isinstance(client_id, bytes):
            client_id = client_id.decode()
        with self.lock:
            if client_id == ALL:
                self.entries.clear()
            else:
                self.entries.pop(client_id, None)


def _cache() -> ClientCache:
    return current_app.extensions["idp.client_cache"]


def lookup(client_id: str) -> Client | None:
    """The registered client ``client_id`` (a read-only snapshot), or None."""
    cache = _cache()
    entry = cache.entries.get(client_id)
    if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS:
        return entry[1]
    client = _load(client_id)
    if client is not None:
        with cache.lock:
            cache.entries[client_id] = (time.monotonic(), client)
    return client


def peek(app, client_id: str) -> Client | None:
    """The cached client ``client_id`` while its entry is fresh, else None; never reads the
    database (the event loop's endpoints, oidc/loop_endpoints.py, must not block)."""
    entry = app.extensions["idp.client_cache"].entries.get(client_id)
    if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS:
        return entry[1]
    return None


def _load(client_id: str) -> Client | None:
    with Session(db.engine, expire_on_commit=False) as session:
        client = session.scalar(select(Client).where(Client.client_id == client_id))
        if client is not None:
            session.expunge(client)
        return client


def invalidate(client_id: str) -> None:
    """Forget ``client_id`` here and in every other process sharing the store."""
    _cache().drop(client_id)
    get_store().publish(CHANNEL, client_id)


def subscribe(app, store) -> None:
    """Drop entries when another process announces a change (called by create_app)."""
    cache = ClientCache()
    app.extensions["idp.client_cache"] = cache
    app.extensions["idp.unsubscribe"].append(store.subscribe(CHANNEL, cache.drop))
