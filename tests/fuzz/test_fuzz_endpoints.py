"""Bad input of any shape, over every endpoint and form in tests/fuzz/endpoints.py.

For each request: no 5xx, no unescaped reflection of input in a page, no redirect
off the IdP through any parameter, and — when the request is refused — no
change of state (people, second factors, clients, sessions). Audit rows and
rate-limit counters are meant to change on a refused login, and are not compared.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.fuzz.endpoints import ENDPOINTS, EXTRA, PATH_PREFIXES, Endpoint
from tests.helpers.totp import enrol
from tests.helpers.web import CSRF_RE, login

EXAMPLES = int(os.environ.get("IDP_FUZZ_EXAMPLES", "25"))
_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=_HEALTH)
FUZZ_EXTRA = settings(max_examples=max(3, EXAMPLES * 2 // 5), deadline=None, derandomize=True,
                      suppress_health_check=_HEALTH)

# Hostile values; each markup payload carries a tag starting "<fz" so reflection is detectable.
HOSTILE = [
    "<fz1>", '"><fz2 onerror=alert(1)>', "'><fz3>", "</textarea><fz4>", "javascript:alert(1)",
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "https:evil.example", "http://127.0.0.1.evil.example/", "%2F%2Fevil.example", "\x00",
    "%00", "../../../etc/passwd", "' OR '1'='1", "A" * 5000, "\ud7ff\ue000\U0001f600",
    "{{7*7}}", "${7*7}", "\r\nSet-Cookie: x=1", "0" * 6, "123456", "null", "[]", "{}",
]
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300),
                   st.text(alphabet=st.characters(codec="ascii"), max_size=40))


def field_values(endpoint: Endpoint):
    return st.fixed_dictionaries({}, optional={f: values for f in endpoint.fields})


def _state(app, user_id) -> tuple:
    """What a refused request must not change."""
    from idp.extensions import db
    from idp.sessions import store as sso
    from idp.storage.models import Client, RecoveryCode, TotpCredential, User

    with app.app_context():
        person = db.session.get(User, user_id)
        snapshot = (
            (person.password_hash, person.disabled, person.updated_at),
            db.session.scalar(select(func.count()).select_from(TotpCredential)),
            db.session.scalar(select(TotpCredential.last_step).where(TotpCredential.user_id == user_id)),
            db.session.scalar(select(func.count()).select_from(RecoveryCode)
                              .where(RecoveryCode.used_at.is_not(None))),
            db.session.scalar(select(func.count()).select_from(Client)),
            sorted(s.sid for s in sso.list_for_user(user_id)),
            _counts(db),
        )
        db.session.remove()
        return snapshot


def _counts(db) -> tuple:
    """Tokens, deliveries, orders and subscriptions: what protocol and billing calls change."""
    from idp.storage.models import BackchannelDelivery, Order, RefreshToken, Subscription

    live = select(func.count()).select_from(RefreshToken).where(RefreshToken.revoked_at.is_(None))
    return (db.session.scalar(live),
            db.session.scalar(select(func.count()).select_from(BackchannelDelivery)),
            tuple(db.session.execute(select(Order.id, Order.status).order_by(Order.id))),
            tuple(db.session.execute(select(Subscription.id, Subscription.status)
                                     .order_by(Subscription.id))))


def _signed_in(app, web, user):
    login(web, user["email"], user["password"])


def _pending_otp(app, web, user):
    login(web, user["email"], user["password"])
    enrol(web)
    fresh = app.test_client()
    login(fresh, user["email"], user["password"])
    return fresh


SETUPS = {"anonymous": lambda app, web, user: None, "signed_in": _signed_in,
          "pending_otp": _pending_otp}


def _request(web, endpoint: Endpoint, data: dict):
    if endpoint.csrf_from:
        match = CSRF_RE.search(web.get(endpoint.csrf_from).get_data(as_text=True))
        data = {**data, "csrf_token": match.group(1) if match else ""}
    if endpoint.method == "GET":
        return web.get(endpoint.path, query_string=data)
    return web.open(endpoint.path, method=endpoint.method, data=data)


def check_response(resp, json_endpoint: bool = False) -> None:
    assert resp.status_code < 500, resp.status_code
    body = resp.get_data(as_text=True)
    assert not re.search(r"<fz\d", body), "input reflected unescaped"
    assert "Traceback" not in body
    if resp.mimetype == "text/html":
        assert "unsafe-inline" not in resp.headers.get("Content-Security-Policy", "x")
    if json_endpoint and resp.status_code >= 400 and body:  # (HEAD has no body)
        assert resp.mimetype == "application/json" and "error" in resp.get_json()
    if 300 <= resp.status_code < 400:
        target = urlsplit(resp.headers["Location"].replace("\\", "/"))
        assert target.scheme in ("", "http", "https") and target.netloc in ("", "localhost"), \
            f"redirect off the IdP: {resp.headers['Location']}"


@pytest.mark.parametrize("endpoint", ENDPOINTS + EXTRA, ids=lambda e: e.id)
def test_fuzz_endpoint(app, clean, user, endpoint, configure):
    if endpoint.path.startswith("/billing/notifications/"):  # configured, as in production
        configure(midtrans_server_key="fuzz-server-key")
    web = app.test_client()
    web = SETUPS[endpoint.setup](app, web, user) or web

    @(FUZZ if endpoint in ENDPOINTS else FUZZ_EXTRA)
    @given(data=field_values(endpoint))
    def run(data):
        before = _state(app, user["id"])
        resp = _request(web, endpoint, data)
        check_response(resp, endpoint.json)
        if resp.status_code >= 400:
            assert _state(app, user["id"]) == before, "a refused request changed state"

    run()


segments = st.lists(st.one_of(st.sampled_from(HOSTILE[:16]), st.text(max_size=30)), max_size=4)


@FUZZ
@given(prefix=st.sampled_from(PATH_PREFIXES), parts=segments,
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]))
def test_fuzz_unknown_paths(app, clean, prefix, parts, method):
    from urllib.parse import quote

    path = prefix + "/".join(quote(p, safe="") for p in parts)
    resp = app.test_client().open(path, method=method)
    check_response(resp, json_endpoint=path.startswith(("/oauth2/", "/.well-known/")))
