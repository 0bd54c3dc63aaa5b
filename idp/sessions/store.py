"""SSO sessions in the shared store.

``sso:<sid>`` holds the session as JSON; ``sso:user:<user_id>`` is the set of a
person's sids. A session dies at its idle or its absolute deadline, whichever
comes first; the key's TTL follows the nearer one.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field

from flask import current_app

from .. import clock
from ..storage.store import get_store

TOUCH_EVERY = 60  # seconds: refresh last_seen at most this often (a write per minute, not per request)


@dataclass
class SSOSession:
    sid: str
    user_id: int
    auth_time: int
    amr: list[str]
    acr: str
    created_at: int
    last_seen: int
    clients: list[str] = field(default_factory=list)

    def age(self) -> int:
        return clock.timestamp() - self.auth_time


def _key(sid: str) -> str:
    return f"sso:{sid}"


def _user_key(user_id) -> str:
    return f"sso:user:{user_id}"


def _limits() -> tuple[int, int]:
    s = current_app.config["IDP"]
    return s.session_idle_timeout, s.session_absolute_timeout


def _save(session: SSOSession) -> None:
    idle, absolute = _limits()
    now = clock.timestamp()
    remaining = min(session.last_seen + idle, session.created_at + absolute) - now
    if remaining <= 0:
        end(session.sid)
        return
    get_store().set(_key(session.sid), json.dumps(asdict(session)), ttl=remaining)


def create(user_id: int, amr: list[str], acr: str = "0") -> SSOSession:
    """Start a session for a person who just authenticated."""
    now = clock.timestamp()
    session = SSOSession(sid=secrets.token_urlsafe(24), user_id=user_id, auth_time=now,
                         amr=list(amr), acr=acr, created_at=now, last_seen=now)
    _save(session)
    store = get_store()
    store.sadd(_user_key(user_id), session.sid)
    store.expire(_user_key(user_id), _limits()[1])
    return session


def get(sid: str | None, touch: bool = True) -> SSOSession | None:
    """Return the live session, or None when unknown, idle too long or too old."""
    if not sid or not isinstance(sid, str) or len(sid) > 64:
        return None
    raw = get_store().get(_key(sid))
    if raw is None:
        return None
    session = SSOSession(**json.loads(raw))
    idle, absolute = _limits()
    now = clock.timestamp()
    if now >= session.last_seen + idle or now >= session.created_at + absolute:
        end(sid)
        return None
    if touch and now - session.last_seen >= TOUCH_EVERY:
        session.last_seen = now
        _save(session)
    return session


def add_client(session: SSOSession, client_id: str) -> None:
    """Record that ``client_id`` received tokens under this session (for logout)."""
    if client_id not in session.clients:
        session.clients.append(client_id)
        _save(session)


def end(sid: str) -> SSOSession | None:
    """End a session; return what it was (None when already gone)."""
    raw = get_store().getdel(_key(sid))
    if raw is None:
        return None
    session = SSOSession(**json.loads(raw))
    get_store().srem(_user_key(session.user_id), sid)
    return session


def list_for_user(user_id: int) -> list[SSOSession]:
    """Every live session of a person."""
    sessions = []
    for sid in sorted(get_store().smembers(_user_key(user_id))):
        session = get(sid, touch=False)
        if session is None:
            get_store().srem(_user_key(user_id), sid)
        else:
            sessions.append(session)
    return sessions
