"""The hand-off between /authorize and the pages for people (login, consent, picker).

An interaction is the validated authorization request, stored server-side
under a random id. Pages carry only that id; after login they resume the
request by id — never by a URL taken from the request (no open redirect).

An interaction belongs to the browser and the person that started it:

- **The browser.** The browser that hit /authorize holds a random value in its
  session (``BROWSER_KEY``, kept across the login that renews the session); the
  interaction stores its SHA-256. ``load`` compares the two in constant time
  (``hmac.compare_digest``) and raises ``ForeignInteraction`` when the id was
  opened from another browser (a forwarded login, consent or "return" link):
  that browser gets an error page and no redirect. Two tabs of one browser share
  the value, so both finish.
- **The person.** Every decision stored in an interaction (consent, denial, the
  chosen organisation, the gate's refusal) is recorded with the id of the person
  who made it (``decide``) and read back only for that person (``decision``):
  a decision made by someone else, even in the same browser, counts for nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from flask import current_app, session, url_for

from ..errors import IdPError
from ..i18n import N_
from ..storage.store import get_store
from .errors import NO_STORE

BROWSER_KEY = "browser"  # the session key of this browser's binding value
# The session key of this browser's latest interaction: pages that do not carry its id
# (the TOTP step) still find its language (web/i18n.py).
CURRENT_KEY = "interaction"
EXPIRED = N_("This sign-in request has expired or was already completed. "
             "Return to the application and try again.")
ELSEWHERE = N_("This sign-in was started in another browser, so it can only be finished "
               "there. Return to the application and start again from this browser.")


class ForeignInteraction(IdPError):
    """The interaction exists but was started in another browser: a 403 page, no redirect."""

    status = 403
    error = "access_denied"
    title = N_("Continue in the browser you started in")
    headers = NO_STORE

    def __init__(self):
        super().__init__(ELSEWHERE)


def _key(interaction_id: str) -> str:
    return f"interaction:{interaction_id}"


def _browser(create: bool = False) -> str | None:
    """The SHA-256 of this browser's binding value (made when ``create`` and missing)."""
    value = session.get(BROWSER_KEY)
    if not isinstance(value, str) or len(value) < 32:
        if not create:
            return None
        value = secrets.token_urlsafe(32)
        session[BROWSER_KEY] = value
    return hashlib.sha256(value.encode()).hexdigest()


def browser_binding(create: bool = False) -> str | None:
    """This browser's binding (the SHA-256 of its value), for other ceremonies bound to the
    browser (a passkey challenge); made when ``create`` and missing."""
    return _browser(create=create)


def save(data: dict) -> str:
    """Store an interaction bound to this browser; return its id."""
    interaction_id = secrets.token_urlsafe(24)
    ttl = current_app.config["IDP"].interaction_lifetime
    data = dict(data, browser=_browser(create=True))
    get_store().set(_key(interaction_id), json.dumps(data), ttl=ttl)
    session[CURRENT_KEY] = interaction_id
    return interaction_id


def load_any(interaction_id: str | None) -> dict | None:
    """The stored interaction whichever browser it belongs to (no binding check)."""
    if not interaction_id or not isinstance(interaction_id, str) or len(interaction_id) > 64:
        return None
    raw = get_store().get(_key(interaction_id))
    return json.loads(raw) if raw else None


def load(interaction_id: str | None) -> dict | None:
    """This browser's interaction; None when unknown or expired.

    Raises ForeignInteraction when it exists but another browser started it.
    """
    data = load_any(interaction_id)
    if data is not None and not _ours(data):
        raise ForeignInteraction()
    return data


def _ours(data: dict) -> bool:
    mine, theirs = _browser(), data.get("browser")
    return isinstance(theirs, str) and mine is not None and hmac.compare_digest(mine, theirs)


def update(interaction_id: str, data: dict) -> None:
    ttl = get_store().ttl(_key(interaction_id)) or current_app.config["IDP"].interaction_lifetime
    get_store().set(_key(interaction_id), json.dumps(data), ttl=ttl)


def decide(interaction_id: str, data: dict, name: str, user_id: int, value=True) -> dict:
    """Record decision ``name`` made by ``user_id``; return the updated interaction."""
    data = dict(data, **{name: {"by": user_id, "value": value}})
    update(interaction_id, data)
    return data


def decision(data: dict | None, name: str, user_id: int | None):
    """The value of decision ``name`` when ``user_id`` made it; None otherwise."""
    entry = (data or {}).get(name)
    if user_id is None or not isinstance(entry, dict) or entry.get("by") != user_id:
        return None
    return entry.get("value")


def discard(interaction_id: str) -> None:
    get_store().delete(_key(interaction_id))


def resume_url(interaction_id: str) -> str | None:
    """Where the browser goes after login: the authorization request, resumed."""
    if load(interaction_id) is None:
        return None
    if "oidc.resume" not in current_app.view_functions:
        return None
    return url_for("oidc.resume", interaction=interaction_id)
