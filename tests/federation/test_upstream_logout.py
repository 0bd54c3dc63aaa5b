"""Back-Channel Logout 1.0 from the organisation's provider ends our session for that
person, and our own back-channel logout to the relying parties goes out (§2.6, §2.7)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from idp.storage.models import BackchannelDelivery
from tests.federation.conftest import DOMAIN, at_upstream, sign_in, start
from tests.oidc.conftest import Flow, query

ENDPOINT = "/login/federated/backchannel-logout"


def _sid(web):
    with web.session_transaction() as stored:
        return stored.get("sid")


def _alive(app, sid) -> bool:
    from idp.sessions import store as sso

    with app.app_context():
        return sso.get(sid, touch=False) is not None


def test_a_logout_token_by_sub_ends_our_sessions_of_that_person(app, web, acme, upstream):
    sign_in(web)
    other = app.test_client()
    sign_in(other)
    sids = [_sid(web), _sid(other)]
    assert all(_alive(app, sid) for sid in sids)
    resp = web.post(ENDPOINT, data={"logout_token": upstream.logout_token(sid=None)})
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert not any(_alive(app, sid) for sid in sids)


def test_a_logout_token_by_sid_ends_only_the_session_it_opened(app, web, acme, upstream):
    upstream.overrides = {"sid": "upstream-session-1"}
    sign_in(web)
    upstream.overrides = {"sid": "upstream-session-2"}
    other = app.test_client()
    sign_in(other)
    token = upstream.logout_token(sid="upstream-session-1", sub=None)
    assert web.post(ENDPOINT, data={"logout_token": token}).status_code == 200
    assert not _alive(app, _sid(web)) and _alive(app, _sid(other))


def test_our_relying_parties_hear_of_it(app, web, acme, upstream, make_client):
    client = make_client(first_party=True, backchannel_logout_uri="https://rp.example/bc")
    flow = Flow(web, client, None)
    resp = flow.authorize()
    interaction = query(resp.headers["Location"])["interaction"]
    resp = web.get(at_upstream(start(web, "dewi@" + DOMAIN, interaction).headers["Location"]))
    resp = web.get(resp.headers["Location"])  # resume the authorization: a code for the RP
    assert "code" in query(resp.headers["Location"])
    web.post(ENDPOINT, data={"logout_token": upstream.logout_token()})
    with app.app_context():
        from idp.extensions import db

        [delivery] = db.session.scalars(select(BackchannelDelivery)).all()
    assert (delivery.client_id, delivery.reason) == (client["client_id"], "upstream_logout")


@pytest.mark.parametrize("claims", [
    pytest.param({"iss": "https://evil.example"}, id="wrong-iss"),
    pytest.param({"aud": "someone-else"}, id="wrong-aud"),
    pytest.param({"events": {"http://example.com/other": {}}}, id="no-logout-event"),
    pytest.param({"events": None}, id="no-events"),
    pytest.param({"nonce": "n-1"}, id="has-nonce"),
    pytest.param({"sub": None, "sid": None}, id="no-sub-no-sid"),
    pytest.param({"jti": None}, id="no-jti"),
    pytest.param({"iat": 99_999_999_999}, id="iat-in-the-future"),
    pytest.param({"exp": 1_000_000}, id="expired"),
])
def test_a_bad_logout_token_is_refused_and_ends_nothing(app, web, acme, upstream, claims):
    sign_in(web)
    resp = web.post(ENDPOINT, data={"logout_token": upstream.logout_token(**claims)})
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_request"
    assert _alive(app, _sid(web))


def test_a_bad_signature_is_refused(app, web, acme, upstream):
    sign_in(web)
    upstream.sign_with_other_key = True
    assert web.post(ENDPOINT, data={"logout_token": upstream.logout_token()}).status_code == 400
    assert _alive(app, _sid(web))


def test_a_replayed_logout_token_is_refused(app, web, acme, upstream):
    token = upstream.logout_token()
    assert web.post(ENDPOINT, data={"logout_token": token}).status_code == 200
    assert web.post(ENDPOINT, data={"logout_token": token}).status_code == 400


def test_garbage_is_a_400_not_a_500(app, web, acme):
    for value in (None, "", "a.b.c", "x" * 20000, "eyJ.eyJ.sig"):
        data = {"logout_token": value} if value is not None else {}
        assert web.post(ENDPOINT, data=data).status_code == 400


def test_upstream_logout_is_audited(app, web, acme, upstream):
    from idp.audit import search

    sign_in(web)
    web.post(ENDPOINT, data={"logout_token": upstream.logout_token()})
    with app.app_context():
        [event] = search(type="federation.backchannel_logout")
    assert event.outcome == "success" and event.detail["sessions"] == 1
