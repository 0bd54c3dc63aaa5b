"""Login lockout: failures counted per account and per IP, locks that grow.

An account is named by its normalised email, known or not, so an unknown
address locks exactly like a real one (no enumeration). After
``login_max_failures_per_account`` failures inside ``login_failure_window``
the account locks for ``login_lockout_base`` seconds, doubling with each
further lockout (remembered ``login_lockout_memory`` seconds) up to
``login_lockout_max``. The IP works the same with its own, higher limit.
Lock deadlines are stored as timestamps of ``idp.clock``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app

from .. import clock, ratelimit
from ..storage.store import get_store
from .users import normalise_email


@dataclass(frozen=True)
class Subject:
    scope: str  # "account" or "ip"
    id: str

    @property
    def name(self) -> str:
        return f"login:{self.scope}:{self.id}"


def account(email: str) -> Subject:
    # A digest, so Redis keys hold no email addresses.
    digest = hashlib.sha256(normalise_email(str(email)).encode()).hexdigest()[:32]
    return Subject("account", digest)


def ip(address: str | None) -> Subject:
    return Subject("ip", (address or "unknown")[:64])


def _settings():
    return current_app.config["IDP"]


def _limit(subject: Subject) -> int:
    s = _settings()
    return s.login_max_failures_per_account if subject.scope == "account" else s.login_max_failures_per_ip


def locked_for(*subjects: Subject) -> int:
    """Seconds until every one of ``subjects`` is unlocked (0: none is locked)."""
    store, now = get_store(), clock.timestamp()
    waits = [int(store.get(f"lock:{s.name}") or 0) - now for s in subjects]
    return max([0, *waits])


def begin_attempt(subject: Subject) -> int:
    """Count a password attempt *before* checking it; return seconds to wait (0: go ahead).

    Counting first makes the limit hold under parallel requests: however many
    arrive at once, at most the limit reach the password check per window. The
    lock is read again after counting: a request that counted just after another
    one locked (and reset) the counter still sees that lock.
    """
    s = _settings()
    allowed, _ = ratelimit.hit(f"fail:{subject.name}", _limit(subject), s.login_failure_window)
    if not allowed:
        return locked_for(subject) or s.login_lockout_base
    return locked_for(subject)


def attempt_failed(subject: Subject) -> int | None:
    """The counted attempt failed: lock when it was the last one allowed; return the lock length."""
    s = _settings()
    if ratelimit.count(f"fail:{subject.name}", s.login_failure_window) >= _limit(subject):
        return _lock(subject)
    return None


def register_failure(*subjects: Subject) -> list[tuple[Subject, int]]:
    """Count a failure (not counted in advance); return the subjects it locked, with lock lengths."""
    s = _settings()
    locked = []
    for subject in subjects:
        allowed, _ = ratelimit.hit(f"fail:{subject.name}", _limit(subject) - 1, s.login_failure_window)
        if not allowed and (seconds := _lock(subject)):
            locked.append((subject, seconds))
    return locked


def _lock(subject: Subject) -> int | None:
    """Start a lock (once, however many failures race here); return its length."""
    s, store, now = _settings(), get_store(), clock.timestamp()
    key = f"lock:{subject.name}"
    if not store.set(key, str(now + s.login_lockout_base), ttl=s.login_lockout_base + 1, nx=True):
        current = store.get(key)
        if current is not None and int(current) > now:
            return None  # another request locked it already
    level = store.incr(f"lockn:{subject.name}", ttl=s.login_lockout_memory)
    duration = min(s.login_lockout_base * 2 ** min(level - 1, 30), s.login_lockout_max)
    store.set(key, str(now + duration), ttl=duration + 1)
    ratelimit.reset(f"fail:{subject.name}", s.login_failure_window)
    return duration


def register_success(subject: Subject) -> None:
    """A correct login forgets the account's failures (not its lockout level)."""
    ratelimit.reset(f"fail:{subject.name}", _settings().login_failure_window)


def unlock(subject: Subject) -> bool:
    """Lift a lock and forget failures and level; return whether it was locked."""
    was_locked = locked_for(subject) > 0
    get_store().delete(f"lock:{subject.name}", f"lockn:{subject.name}")
    ratelimit.reset(f"fail:{subject.name}", _settings().login_failure_window)
    return was_locked
