"""Ending sessions: the one path every sign-out takes (page, CLI, disable).

The back-channel logout of the session's clients hangs off ``end_session``.
"""

from __future__ import annotations

from . import store


def end_session(sid: str) -> store.SSOSession | None:
    """End one SSO session; return it, or None when it was already gone."""
    return store.end(sid)


def end_all_for_user(user_id: int) -> int:
    """End every session of a person; return how many ended."""
    return sum(1 for live in store.list_for_user(user_id) if end_session(live.sid))
