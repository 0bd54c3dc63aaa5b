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
