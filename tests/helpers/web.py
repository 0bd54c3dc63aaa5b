"""Helpers for driving pages like a browser: read CSRF tokens, submit forms."""

from __future__ import annotations

import re

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(web, email: str, password: str, interaction: str = "", follow: bool = False):
    """Fetch the login page and submit it with its CSRF token."""
    page = web.get("/login" + (f"?interaction={interaction}" if interaction else ""))
    token = csrf_token(page.get_data(as_text=True))
    return web.post("/login", data={"email": email, "password": password, "csrf_token": token,
                                     "interaction": interaction}, follow_redirects=follow)


def bound_interaction(app, web, data: dict) -> str:
    """Store an interaction bound to ``web``'s browser, as /authorize would (idp.oidc.interaction)."""
    import secrets

    from flask import session

    from idp.oidc import interaction

    with web.session_transaction() as stored:
        value = stored.setdefault(interaction.BROWSER_KEY, secrets.token_urlsafe(32))
    with app.test_request_context():
        session[interaction.BROWSER_KEY] = value
        return interaction.save(data)
