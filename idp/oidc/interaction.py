"""The hand-off between /authorize and the pages for people (login, consent, picker).

An interaction is the validated authorization request, stored server-side
under a random id. Pages carry only that id; after login they resume the
request by id — never by a URL taken from the request (no open redirect).
"""

from __future__ import annotations

import json
import secrets

from flask import current_app, url_for

from ..storage.store import get_store


def _key(interaction_id: str) -> str:
    return f"interaction:{interaction_id}"


def save(data: dict) -> str:
    """Store an interaction; return its id."""
    interaction_id = secrets.token_urlsafe(24)
    ttl = current_app.config["IDP"].interaction_lifetime
    get_store().set(_key(interaction_id), json.dumps(data), ttl=ttl)
    return interaction_id


def load(interaction_id: str | None) -> dict | None:
    """Return the interaction, or None when unknown or expired."""
    if not interaction_id or not isinstance(interaction_id, str) or len(interaction_id) > 64:
        return None
    raw = get_store().get(_key(interaction_id))
    return json.loads(raw) if raw else None


def update(interaction_id: str, data: dict) -> None:
    ttl = get_store().ttl(_key(interaction_id)) or current_app.config["IDP"].interaction_lifetime
    get_store().set(_key(interaction_id), json.dumps(data), ttl=ttl)


def discard(interaction_id: str) -> None:
    get_store().delete(_key(interaction_id))


def resume_url(interaction_id: str) -> str | None:
    """Where the browser goes after login: the authorization request, resumed."""
    if load(interaction_id) is None:
        return None
    if "oidc.resume" not in current_app.view_functions:
        return None
    return url_for("oidc.resume", interaction=interaction_id)
