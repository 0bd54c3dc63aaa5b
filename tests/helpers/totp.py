"""Drive TOTP enrolment and the code step like a browser."""

from __future__ import annotations

import re

import pyotp

from idp import clock
from tests.helpers.web import csrf_token

SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')
CODE_RE = re.compile(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>")


def code_for(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.timestamp() + 30 * offset_steps)


def enrol(web) -> tuple[str, list[str]]:
    """Enrol the browser's person (signed in or parked); return (secret, recovery codes)."""
    page = web.get("/account/totp").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    resp = web.post("/account/totp", data={"code": code_for(secret), "csrf_token": csrf_token(page)})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return secret, CODE_RE.findall(resp.get_data(as_text=True))


def submit_code(web, code: str):
    page = web.get("/login/totp")
    return web.post("/login/totp", data={"code": code,
                                         "csrf_token": csrf_token(page.get_data(as_text=True))})
