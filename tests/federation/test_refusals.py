"""Every way an upstream sign-in can go wrong gets a page saying what happened, and
nothing is created: bad ID tokens, foreign emails, replayed state, a provider down, a
person who cancelled."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from idp.storage.models import FederatedIdentity, User
from tests.federation.conftest import DOMAIN, at_upstream, connect, sign_in, start


def _nothing_created(app):
    from idp.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        assert db.session.scalar(select(func.count()).select_from(FederatedIdentity)) == 0


def _refused(resp, kind: str, status: int):
    html = resp.get_data(as_text=True)
    assert resp.status_code == status, html[:300]
    assert f'data-kind="{kind}"' in html
    assert "Traceback" not in html
    return html


def _no_session(web):
    with web.session_transaction() as stored:
        assert "sid" not in stored


@pytest.mark.parametrize("overrides", [
    pytest.param({"nonce": "not-the-one-we-sent"}, id="wrong-nonce"),
    pytest.param({"iss": "https://evil.example"}, id="wrong-iss"),
    pytest.param({"aud": "someone-else"}, id="wrong-aud"),
    pytest.param({"aud": ["tomps-at-acme", "someone-else"]}, id="untrusted-extra-aud"),
    pytest.param({"azp": "someone-else"}, id="wrong-azp"),
    pytest.param({"exp": 1_000_000}, id="expired"),
    pytest.param({"iat": 99_999_999_999}, id="iat-in-the-future"),
])
def test_a_bad_id_token_is_refused(app, web, acme, upstream, overrides):
    upstream.overrides = overrides
    _refused(sign_in(web), "invalid_token", 502)
    _nothing_created(app)
    _no_session(web)


def test_a_bad_signature_is_refused(app, web, acme, upstream):
    upstream.sign_with_other_key = True
    _refused(sign_in(web), "invalid_token", 502)
    _nothing_created(app)


def test_an_alg_outside_the_allow_list_is_refused(app, web, acme, upstream):
    import base64
    import json
    import time

    def b64(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    def unsigned(nonce):  # alg "none" (RFC 8725 §3.1 / §2.1 of this check)
        now = int(time.time())
        claims = {"iss": upstream.url, "aud": upstream.client_id, "iat": now, "exp": now + 60,
                  "nonce": nonce, **upstream.person}
        return b64({"alg": "none", "kid": "up-1"}) + "." + b64(claims) + "."

    upstream.id_token = unsigned
    _refused(sign_in(web), "invalid_token", 502)
    _nothing_created(app)


def test_an_email_outside_the_domains_is_refused(app, web, acme, upstream):
    upstream.person["email"] = "dewi@gmail.example"
    _refused(sign_in(web), "email_domain", 400)
    _nothing_created(app)


def test_an_email_the_upstream_did_not_verify_is_refused(app, web, acme, upstream):
    upstream.person["email_verified"] = False
    _refused(sign_in(web), "email_unverified", 400)
    _nothing_created(app)


def test_a_replayed_state_is_refused(app, web, acme):
    resp = start(web, "dewi@" + DOMAIN)
    callback = at_upstream(resp.headers["Location"])
    assert web.get(callback).status_code == 302  # the first use signs in
    _refused(web.get(callback), "state", 400)  # the same state again: nothing


def test_a_state_from_another_browser_is_refused(app, web, acme):
    resp = start(web, "dewi@" + DOMAIN)
    callback = at_upstream(resp.headers["Location"])
    _refused(app.test_client().get(callback), "state", 403)
    _nothing_created(app)
    # ... and it is spent: the browser it was made for cannot use it either.
    _refused(web.get(callback), "state", 400)


def test_an_unknown_state_is_refused(app, web, acme):
    _refused(web.get("/login/federated/callback?state=" + "x" * 43 + "&code=abc"), "state", 400)
    _refused(web.get("/login/federated/callback"), "state", 400)


def test_the_person_cancelling_upstream_gets_a_page(app, web, acme, upstream):
    upstream.deny = True
    html = _refused(sign_in(web), "cancelled", 400)
    assert "cancelled" in html
    _nothing_created(app)
    assert upstream.token_calls == 0


def test_an_upstream_that_is_down_gets_a_page(app, web, acme, upstream):
    from tests.helpers.ports import reserve_port

    closed = f"http://127.0.0.1:{reserve_port()}"  # nobody listens there
    with app.app_context():
        connect(acme, closed)
    resp = start(web, "dewi@" + DOMAIN)
    html = _refused(resp, "upstream_down", 502)
    assert "unavailable" in html
    from idp.audit import search

    with app.app_context():
        [event] = search(type="federation.failed")
    assert event.detail["kind"] == "upstream_down" and "discovery" in event.reason


def test_an_upstream_that_goes_down_before_the_token_call_gets_a_page(app, web, acme, upstream):
    resp = start(web, "dewi@" + DOMAIN)
    callback = at_upstream(resp.headers["Location"])
    upstream.stop()
    _refused(web.get(callback), "upstream_down", 502)
    _nothing_created(app)


def test_failures_are_audited_and_counted(app, web, acme, upstream):
    from idp.audit import search
    from idp.ops.metrics import FEDERATION

    before = FEDERATION.labels(event="cancelled")._value.get()
    upstream.deny = True
    sign_in(web)
    with app.app_context():
        [event] = search(type="federation.failed")
    assert event.detail["kind"] == "cancelled" and event.outcome == "failure"
    assert FEDERATION.labels(event="cancelled")._value.get() == before + 1


def test_an_unknown_kid_refetches_the_jwks_at_most_once_a_minute(app, web, acme, upstream):
    sign_in(web)
    fetches = upstream.jwks_fetches
    upstream.overrides = {}
    from joserfc.jwk import RSAKey

    upstream.key = RSAKey.generate_key(2048, private=True, parameters={"kid": "up-2"})
    original = upstream.sign
    upstream.sign = lambda claims, header=None: original(claims, {**(header or {}), "kid": "up-2"})
    # Rotated within a minute of the last fetch: refused, and no refetch storm.
    _refused(sign_in(app.test_client()), "invalid_token", 502)
    _refused(sign_in(app.test_client()), "invalid_token", 502)
    assert upstream.jwks_fetches == fetches


def test_a_down_upstream_is_remembered_briefly_so_nobody_else_waits_for_it(app, web, acme):
    from idp.audit import search
    from tests.helpers.ports import reserve_port

    with app.app_context():
        connect(acme, f"http://127.0.0.1:{reserve_port()}")
    _refused(start(web, "dewi@" + DOMAIN), "upstream_down", 502)
    _refused(start(app.test_client(), "dewi@" + DOMAIN), "upstream_down", 502)
    with app.app_context():
        reasons = [e.reason for e in search(type="federation.failed")]
    assert "discovery: cannot fetch" in reasons[0] and reasons[1] == "discovery failed moments ago"
