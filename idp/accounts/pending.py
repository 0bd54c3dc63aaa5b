"""A login waiting for its second factor (or for a required enrolment), kept server-side.

The browser holds only a random id (in its cookie session); the person is not
signed in until ``take`` consumes the state, once (GETDEL).
"""

from __future__ import annotations

import json
import secrets

from flask import current_app

from ..storage.store import get_store

PURPOSES = ("otp", "enrol")


def _key(token: str) -> str:
    return f"mfa:{token}"


def begin(user_id: int, purpose: str, interaction: str | None) -> str:
    """Park a password-verified login; return the id the browser keeps."""
    token = secrets.token_urlsafe(24)
    state = {"user_id": user_id, "purpose": purpose, "interaction": interaction or ""}
    get_store().set(_key(token), json.dumps(state), ttl=current_app.config["IDP"].interaction_lifetime)
    return token


def load(token, purpose: str) -> dict | None:
    """The parked login for this purpose, or None."""
    if not isinstance(token, str) or not 8 <= len(token) <= 64:
        return None
    raw = get_store().get(_key(token))
    state = json.loads(raw) if raw else None
    return state if state and state["purpose"] == purpose else None


def count_attempt(token: str) -> int:
    """Count a code attempt against this parked login (before checking it); return the count."""
    return get_store().incr(_key(token) + ":n", ttl=current_app.config["IDP"].interaction_lifetime)


def take(token: str) -> dict | None:
    """Consume the parked login (once)."""
    raw = get_store().getdel(_key(token))
    get_store().delete(_key(token) + ":n")
    return json.loads(raw) if raw else None


def discard(token: str) -> None:
    get_store().delete(_key(token), _key(token) + ":n")
