"""The Flask integration against the live IdP: the demo's product app (the documented
integration), its sign-in round trip, sessions, refresh, logout and its API."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from idp.rp.flask import RelyingParty
from tests.conftest import PASSWORD
from tests.rp.conftest import Browser, register


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _current(rp_app, client) -> dict | None:
    rp = rp_app.extensions["idp.rp"]
    cookie = client.get_cookie(rp.cookie_name)
    return rp.store.load(cookie.value) if cookie else None


def test_login_redirect_carries_pkce_s256_state_and_nonce(product_app):
    _, client, browser = product_app
    first = client.get("/")
    assert first.status_code == 302 and first.headers["Location"].startswith("http://localhost/login?")
    url = browser.start("/")
    params = _query(url)
    assert url.startswith(browser.issuer + "/oauth2/authorize?")
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["redirect_uri"] == "http://localhost/callback"
    assert "plan" in params["scope"].split() and "openid" in params["scope"].split()
    assert browser.start("/") != url  # fresh state, nonce and verifier every time


def test_sign_in_shows_the_person_and_the_plan(product_app):
    rp_app, client, browser = product_app
    resp = browser.sign_in("/?tab=limits")
    assert resp.status_code == 302 and resp.headers["Location"] == "/?tab=limits"
    cookie = client.get_cookie(rp_app.extensions["idp.rp"].cookie_name)
    assert cookie.http_only and cookie.same_site == "Lax"
    page = client.get("/").get_data(as_text=True)
    assert browser.person["email"] in page and "Acme" in page and "Duo" in page
    session = _current(rp_app, client)
    assert session["sid"] and session["refresh_token"] and session["claims"]["plan"] == "duo"


def test_a_callback_from_another_browser_is_refused(product_app, live_idp):
    rp_app, _, browser = product_app
    location = browser.authorize(browser.start("/")).headers["Location"]
    stranger = rp_app.test_client()  # never started this sign-in: no login cookie
    parts = urlsplit(location)
    resp = stranger.get(parts.path + "?" + parts.query)
    assert resp.status_code == 400 and "another browser" in resp.get_data(as_text=True)
    assert _current(rp_app, stranger) is None


def test_a_callback_is_redeemed_once(product_app):
    rp_app, client, browser = product_app
    location = browser.authorize(browser.start("/")).headers["Location"]
    assert browser.callback(location).status_code == 302
    client.set_cookie(rp_app.extensions["idp.rp"].cookie_name + "_login",
                      _query(location)["state"])
    assert browser.callback(location).status_code == 400


def test_a_response_naming_another_issuer_is_refused(product_app):
    rp_app, client, browser = product_app
    location = browser.authorize(browser.start("/")).headers["Location"]
    params = _query(location)
    params["iss"] = "https://evil.example"
    resp = client.get("/callback", query_string=params)
    assert resp.status_code == 400 and _current(rp_app, client) is None


def test_next_never_leaves_the_site(product_app):
    rp_app, client, _ = product_app
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:x"):
        client.get("/login", query_string={"next": target})
        state = client.get_cookie(rp_app.extensions["idp.rp"].cookie_name + "_login").value
        assert rp_app.extensions["idp.rp"].store.get("login:" + state)["next"] == "/"


def test_a_product_outside_the_plan_gets_the_refusal_page(live_idp, entitled_person):
    from idp.demo.product_app import demo_app

    issuer, app = live_idp
    asset = demo_app(register(app, "asset", "http://localhost"), {})
    client = asset.test_client()
    browser = Browser(issuer, client, {**entitled_person, "password": PASSWORD})
    refused = browser.authorize(browser.start("/"))
    assert refused.status_code == 403  # the IdP's entitlement page
    resume = refused.text.split('href="')[-1].split('"')[0].replace("&amp;", "&")
    back = browser.idp.get(issuer + resume if resume.startswith("/") else resume,
                           allow_redirects=False)
    assert _query(back.headers["Location"])["error"] == "access_denied"
    page = browser.callback(back.headers["Location"])
    assert page.status_code == 403
    assert "Tomps Asset is not included" in page.get_data(as_text=True)


def test_tokens_are_refreshed_before_they_expire(product_app):
    rp_app, client, browser = product_app
    browser.sign_in()
    rp = rp_app.extensions["idp.rp"]
    cookie = client.get_cookie(rp.cookie_name).value
    before = rp.store.load(cookie)
    before["expires_at"] = int(time.time()) + rp.margin - 1  # inside the refresh margin
    rp.store.save(cookie, before, 60)
    assert client.get("/").status_code == 200
    after = rp.store.load(cookie)
    assert after["refresh_token"] != before["refresh_token"]  # the IdP rotated it
    assert after["access_token"] != before["access_token"]
    assert after["expires_at"] > before["expires_at"] + rp.margin


def test_a_refused_refresh_ends_the_local_session(product_app, live_idp):
    from idp.sessions import service, store

    rp_app, client, browser = product_app
    browser.sign_in()
    rp = rp_app.extensions["idp.rp"]
    cookie = client.get_cookie(rp.cookie_name).value
    data = rp.store.load(cookie)
    with live_idp[1].app_context():
        service.end_session(data["sid"])  # the IdP revokes the session's refresh tokens
        assert store.get(data["sid"]) is None
    data["expires_at"] = int(time.time())
    rp.store.save(cookie, data, 60)
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert rp.store.load(cookie) is None


def _logout_token(app, client_id: str, sid: str, sub: str) -> str:
    from idp.clients.registry import get_client
    from idp.sessions import logout_token

    with app.app_context():
        return logout_token.mint(get_client(client_id), sid, sub)[0]


def test_back_channel_logout_ends_the_local_sessions_of_that_sid(product_app, live_idp):
    rp_app, client, browser = product_app
    browser.sign_in()
    rp = rp_app.extensions["idp.rp"]
    data = _current(rp_app, client)
    token = _logout_token(live_idp[1], rp.client.client_id, data["sid"], data["sub"])
    resp = rp_app.test_client().post("/backchannel-logout", data={"logout_token": token})
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert _current(rp_app, client) is None
    assert client.get("/").status_code == 302  # back to sign-in
    again = rp_app.test_client().post("/backchannel-logout", data={"logout_token": token})
    assert again.status_code == 400 and "replay" in again.json["error_description"]


def test_a_logout_token_for_another_audience_is_refused(product_app, live_idp):
    rp_app, client, browser = product_app
    browser.sign_in()
    data = _current(rp_app, client)
    other = register(live_idp[1], "building", "http://building.localhost:1")
    token = _logout_token(live_idp[1], other["RP_CLIENT_ID"], data["sid"], data["sub"])
    resp = rp_app.test_client().post("/backchannel-logout", data={"logout_token": token})
    assert resp.status_code == 400
    assert resp.json["error"] == "invalid_request" and "aud" in resp.json["error_description"]
    assert _current(rp_app, client) is not None  # nobody was logged out


@pytest.mark.parametrize("form", [{}, {"logout_token": "x.y.z"}, {"logout_token": "a" * 20000}])
def test_a_malformed_logout_request_is_a_400(product_app, form):
    rp_app, _, _ = product_app
    resp = rp_app.test_client().post("/backchannel-logout", data=form)
    assert resp.status_code == 400 and resp.json["error"] == "invalid_request"


def test_sign_out_ends_the_local_session_and_asks_the_idp(product_app):
    rp_app, client, browser = product_app
    browser.sign_in()
    id_token = _current(rp_app, client)["id_token"]
    resp = client.get("/logout")
    params = _query(resp.headers["Location"])
    assert resp.headers["Location"].startswith(browser.issuer + "/oauth2/logout?")
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://localhost/signed-out"
    assert client.get_cookie(rp_app.extensions["idp.rp"].cookie_name) is None
    assert "signed out" in client.get("/signed-out").get_data(as_text=True)


def test_the_api_accepts_the_persons_access_token_and_refuses_others(product_app, live_idp):
    rp_app, client, browser = product_app
    browser.sign_in()
    token = _current(rp_app, client)["access_token"]
    api = rp_app.test_client()
    ok = api.get("/api/summary", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert ok.json == {"product": "project", "organisation": "Acme", "plan": "duo",
                       "projects_limit": 25}
    none = api.get("/api/summary")
    assert none.status_code == 401 and none.headers["WWW-Authenticate"].startswith("Bearer realm=")
    assert "error=" not in none.headers["WWW-Authenticate"]  # RFC 6750 §3.1: no credentials
    bad = api.get("/api/summary", headers={"Authorization": "Basic abc"})
    assert bad.status_code == 401 and bad.json["error"] == "invalid_request"
    forged = api.get("/api/summary", headers={"Authorization": f"Bearer {token[:-4]}AAAA"})
    assert forged.status_code == 401 and forged.json["error"] == "invalid_token"
    id_token = _current(rp_app, client)["id_token"]
    wrong = api.get("/api/summary", headers={"Authorization": f"Bearer {id_token}"})
    assert wrong.status_code == 401 and "typ" in wrong.json["error_description"]


def test_the_api_refuses_a_token_for_another_product(live_idp, entitled_person, product_app):
    from idp.demo.product_app import demo_app

    rp_app, client, browser = product_app
    browser.sign_in()
    token = _current(rp_app, client)["access_token"]  # Duo: Building and Project only
    asset = demo_app(register(live_idp[1], "asset", "http://asset.localhost:1"), {})
    resp = asset.test_client().get("/api/summary", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and resp.json["error"] == "invalid_token"
    assert "aud" in resp.json["error_description"]
    assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]


def test_settings_are_checked_and_https_cookies_are_host_only(live_idp):
    from flask import Flask

    with pytest.raises(ValueError, match="RP_ISSUER"):
        RelyingParty(Flask("x"))
    app = Flask("y")
    app.config.update(RP_ISSUER=live_idp[0], RP_CLIENT_ID="c", RP_CLIENT_SECRET="s",
                      RP_BASE_URL="https://project.example")
    rp = RelyingParty(app)
    assert rp.cookie_name == "__Host-rp"
    resp = app.test_client().get("/login", base_url="https://project.example")
    assert "Secure" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]
