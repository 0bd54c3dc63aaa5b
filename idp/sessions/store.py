"""SSO sessions in the shared store.

``sso:<sid>`` holds the session as JSON; ``sso:<sid>:clients`` is the set of
clients that received tokens under it (a set, so two token requests at once
cannot lose one another's client: logout must reach every one);
``sso:user:<user_id>`` is the set of a person's sids. A session dies at its idle
or its absolute deadline, whichever comes first; the keys' TTL follows the
nearer one.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field, fields

from flask import current_app

from .. import clock
from ..storage.store import get_store

TOUCH_EVERY = 60  # seconds: refresh last_seen at most this often (a write per minute, not per request)
SID_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")  # what secrets.token_urlsafe makes


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
    # Absolute deadline fixed at creation (epoch seconds); 0 for sessions stored before it existed.
    expires_at: int = 0

    def age(self) -> int:
        return clock.timestamp() - self.auth_time

    def idle_expires_at(self) -> int:
        """When the session dies if nothing touches it again."""
        return self.last_seen + _limits()[0]

    def absolute_expires_at(self) -> int:
        return self.expires_at or self.created_at + _limits()[1]

    def deadline(self) -> int:
        return min(self.idle_expires_at(), self.absolute_expires_at())


_FIELDS = {f.name for f in fields(SSOSession)}


def valid_sid(sid) -> bool:
    return isinstance(sid, str) and bool(SID_RE.match(sid))


def _key(sid: str) -> str:
    return f"sso:{sid}"


def _clients_key(sid: str) -> str:
    return f"sso:{sid}:clients"


def _user_key(user_id) -> str:
    return f"sso:user:{user_id}"


def _limits() -> tuple[int, int]:
    s = current_app.config["IDP"]
    return s.session_idle_timeout, s.session_absolute_timeout


def _decode(raw: str) -> SSOSession:
    data = {k: v for k, v in json.loads(raw).items() if k in _FIELDS}
    return SSOSession(**data)


def _save(session: SSOSession) -> None:
    remaining = session.deadline() - clock.timestamp()
    if remaining <= 0:
        end(session.sid)
        return
    data = asdict(session)
    data.pop("clients")  # kept in the set, see the module docstring
    store = get_store()
    store.set(_key(session.sid), json.dumps(data), ttl=remaining)
    store.expire(_clients_key(session.sid), remaining)


def _new_sid() -> str:
    """192 random bits, never starting with '-': an operator pastes a sid into
    `idp sessions revoke SID`, where a leading '-' would be read as an option."""
    sid = secrets.token_urlsafe(24)
    while sid.startswith("-"):
        sid = secrets.token_urlsafe(24)
    return sid


def create(user_id: int, amr: list[str], acr: str = "0") -> SSOSession:
    """Start a session for a person who just authenticated."""
    now = clock.timestamp()
    absolute = _limits()[1]
    session = SSOSession(sid=_new_sid(), user_id=user_id, auth_time=now,
                         amr=list(amr), acr=acr, created_at=now, last_seen=now,
                         expires_at=now + absolute)
    _save(session)
    store = get_store()
    store.sadd(_user_key(user_id), session.sid)
    store.expire(_user_key(user_id), absolute)
    return session


def get(sid: str | None, touch: bool = True) -> SSOSession | None:
    """Return the live session, or None when unknown, idle too long or too old."""
    if not valid_sid(sid):
        return None
    raw, clients = get_store().get_with_members(_key(sid), _clients_key(sid))
    if raw is None:
        return None
    session = _decode(raw)
    now = clock.timestamp()
    if now >= session.deadline():
        end(sid)
        return None
    session.clients = sorted(clients)
    if touch and now - session.last_seen >= TOUCH_EVERY:
        session.last_seen = now
        _save(session)
    return session


def add_client(session: SSOSession, client_id: str) -> None:
    """Record that ``client_id`` received tokens under this session (for logout)."""
    # One atomic step: the set takes the session's remaining TTL, or is dropped
    # when the session ended meanwhile (leave nothing behind).
    if not get_store().sadd_within_ttl(_clients_key(session.sid), client_id, _key(session.sid)):
        return
    if client_id not in session.clients:
        session.clients.append(client_id)


def remove_clients(sid: str, client_ids) -> None:
    """Forget clients that were logged out of this session while it lives on."""
    if valid_sid(sid) and client_ids:
        get_store().srem(_clients_key(sid), *client_ids)


def end(sid: str) -> SSOSession | None:
    """End a session; return what it was (None when already gone).

    ``GETDEL`` makes this the consume-once step: of two concurrent ends, one
    gets the session (and notifies its clients), the other gets None.
    """
    if not valid_sid(sid):
        return None
    store = get_store()
    raw = store.getdel(_key(sid))
    if raw is None:
        return None
    session = _decode(raw)
    session.clients = sorted(store.smembers(_clients_key(sid)))
    store.delete(_clients_key(sid))
    store.srem(_user_key(session.user_id), sid)
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
