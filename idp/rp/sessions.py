"""The RP's own sessions, kept server-side so a back-channel logout can end them.

A browser holds only a random session id (a cookie); what the session knows
(the person's claims, the tokens) lives in a ``SessionStore``. The IdP's
back-channel logout call does not come from the browser and carries no cookie,
only the IdP's ``sid`` and ``sub`` (Back-Channel Logout 1.0 §2.4), so the store
indexes sessions by both: ``end(sid=...)`` ends the sessions of that IdP
session, ``end(sub=...)`` every session of that person (§2.7).

The store also keeps small records: pending logins (``put``/``take``: single
use, so a ``state`` is redeemed once), the sids a logout ended (``get``) and answers ``first_use`` for logout-token ``jti``
replay checks (§2.6 step 7).

Two implementations share one contract (tests/rp/test_session_stores.py):
``MemorySessionStore`` (one process: the demo, a single-instance product) and
``RedisSessionStore`` (several instances: give it a ``redis.Redis`` client; the
kit itself does not depend on redis-py).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Protocol


class SessionStore(Protocol):
    def save(self, session_id: str, data: dict, ttl: int) -> None:
        """Store a session; ``data["sid"]`` and ``data["sub"]`` are indexed."""

    def load(self, session_id: str) -> dict | None: ...

    def delete(self, session_id: str) -> None: ...

    def end(self, *, sid: str | None = None, sub: str | None = None) -> int:
        """End the sessions of IdP session ``sid`` (or, without one, of person ``sub``)."""

    def put(self, key: str, value: dict, ttl: int) -> None: ...

    def get(self, key: str) -> dict | None: ...

    def take(self, key: str) -> dict | None:
        """Return and remove ``key`` atomically (None when absent or already taken)."""

    def first_use(self, key: str, ttl: int) -> bool:
        """True the first time ``key`` is seen within ``ttl`` seconds, False afterwards."""


class MemorySessionStore:
    """A thread-safe in-process store (one process; sessions end with it)."""

    def __init__(self, now=time.monotonic):
        self._now = now
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, dict]] = {}
        self._index: dict[str, set[str]] = {}

    def _live(self, key: str) -> dict | None:
        item = self._items.get(key)
        if item is None or item[0] <= self._now():
            self._items.pop(key, None)
            return None
        return item[1]

    def _purge(self) -> None:
        now = self._now()
        for key in [k for k, (expires, _) in self._items.items() if expires <= now]:
            del self._items[key]

    def save(self, session_id: str, data: dict, ttl: int) -> None:
        with self._lock:
            self._purge()
            self._items["s:" + session_id] = (self._now() + ttl, dict(data))
            for name in ("sid", "sub"):
                if data.get(name):
                    self._index.setdefault(f"{name}:{data[name]}", set()).add(session_id)

    def load(self, session_id: str) -> dict | None:
        with self._lock:
            data = self._live("s:" + session_id)
            return dict(data) if data is not None else None

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._drop(session_id)

    def _drop(self, session_id: str) -> None:
        item = self._items.pop("s:" + session_id, None)
        if item is not None:
            for name in ("sid", "sub"):
                ids = self._index.get(f"{name}:{item[1].get(name)}")
                if ids is not None:
                    ids.discard(session_id)

    def end(self, *, sid: str | None = None, sub: str | None = None) -> int:
        index = f"sid:{sid}" if sid else f"sub:{sub}" if sub else None
        if index is None:
            return 0
        with self._lock:
            ids = self._index.pop(index, set())
            ended = sum(1 for i in ids if self._live("s:" + i) is not None)
            for session_id in ids:
                self._drop(session_id)
            return ended

    def put(self, key: str, value: dict, ttl: int) -> None:
        with self._lock:
            self._items["k:" + key] = (self._now() + ttl, dict(value))

    def get(self, key: str) -> dict | None:
        with self._lock:
            value = self._live("k:" + key)
            return dict(value) if value is not None else None

    def take(self, key: str) -> dict | None:
        with self._lock:
            value = self._live("k:" + key)
            self._items.pop("k:" + key, None)
            return value

    def first_use(self, key: str, ttl: int) -> bool:
        with self._lock:
            if self._live("u:" + key) is not None:
                return False
            self._items["u:" + key] = (self._now() + ttl, {})
            return True


class RedisSessionStore:
    """The same contract on Redis (several RP instances share it). ``client`` is a redis.Redis."""

    def __init__(self, client, prefix: str = "rp:", index_ttl: int = 86400):
        # An index outlives every session it lists: its TTL is never below index_ttl
        # (set it to the longest session lifetime), so no later save can shorten it.
        self.redis, self.prefix, self.index_ttl = client, prefix, index_ttl

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def save(self, session_id: str, data: dict, ttl: int) -> None:
        pipe = self.redis.pipeline()
        pipe.set(self._k("s", session_id), json.dumps(data), ex=ttl)
        for name in ("sid", "sub"):
            if data.get(name):
                index = self._k(name, str(data[name]))
                pipe.sadd(index, session_id)
                pipe.expire(index, max(ttl, self.index_ttl))
        pipe.execute()

    def load(self, session_id: str) -> dict | None:
        raw = self.redis.get(self._k("s", session_id))
        return json.loads(raw) if raw is not None else None

    def delete(self, session_id: str) -> None:
        self.redis.delete(self._k("s", session_id))  # index entries lapse with their TTL

    def end(self, *, sid: str | None = None, sub: str | None = None) -> int:
        index = self._k("sid", sid) if sid else self._k("sub", sub) if sub else None
        if index is None:
            return 0
        pipe = self.redis.pipeline()
        pipe.smembers(index)
        pipe.delete(index)
        members, _ = pipe.execute()
        ids = [m.decode() if isinstance(m, bytes) else m for m in members]
        return int(self.redis.delete(*[self._k("s", i) for i in ids])) if ids else 0

    def put(self, key: str, value: dict, ttl: int) -> None:
        self.redis.set(self._k("k", key), json.dumps(value), ex=ttl)

    def get(self, key: str) -> dict | None:
        raw = self.redis.get(self._k("k", key))
        return json.loads(raw) if raw is not None else None

    def take(self, key: str) -> dict | None:
        raw = self.redis.getdel(self._k("k", key))  # single use, atomically (Redis >= 6.2)
        return json.loads(raw) if raw is not None else None

    def first_use(self, key: str, ttl: int) -> bool:
        return bool(self.redis.set(self._k("u", key), "1", nx=True, ex=ttl))

