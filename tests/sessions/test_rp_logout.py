"""RP-Initiated Logout 1.0 at /oauth2/logout: hints, redirects, state, confirmation, bad input."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from idp import clock, events
from tests.helpers.web import csrf_token
from tests.sessions.conftest import mint_id_token


def _alive(app, sid) -> bool:
    from idp.sessions import store as sso

    with app.app_context():
        return sso.get(sid, touch=False) is not None


@pytest.fixture
def asset(rp_clients):
    return rp_clients["asset"]


@pytest.fixture
def hint(app, user, asset, signed_in):
    return mint_id_token(app, asset["client_id"], user["id"], sid=signed_in)


@pytest.fixture
def ended_events():
    seen = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    events.session_ended.connect(receiver)
    yield seen
    events.session_ended.disconnect(receiver)


def test_hint_of_the_signed_in_person_ends_the_session_and_redirects_with_state(
        app, web, asset, hint, signed_in, ended_events):
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": hint, "post_logout_redirect_uri": "https://asset.example/bye",
        "state": "xyz 123"})
    assert resp.status_code == 302
    target = urlsplit(resp.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "asset.example", "/bye")
    assert parse_qs(target.query) == {"state": ["xyz 123"]}
    assert resp.headers["Cache-Control"] == "no-store"
    assert not _alive(app, signed_in)
    assert web.get("/signed-in").status_code == 302  # back to the login page
    (event,) = ended_events
    assert event["sid"] == signed_in and event["reason"] == "logout"
    assert asset["client_id"] in event["clients"] and len(event["clients"]) == 3


def test_state_is_added_to_a_registered_uri_with_a_query(web, hint):
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": hint, "post_logout_redirect_uri": "https://asset.example/out?lang=en",
        "state": "s1"})
    assert resp.status_code == 302
    assert parse_qs(urlsplit(resp.headers["Location"]).query) == {"lang": ["en"], "state": ["s1"]}


def test_no_state_no_state_parameter(web, hint):
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": hint, "post_logout_redirect_uri": "https://asset.example/bye"})
    assert resp.headers["Location"] == "https://asset.example/bye"


def test_rp_may_post_the_request_without_csrf(app, web, hint, signed_in):
    resp = web.post("/oauth2/logout", data={
        "id_token_hint": hint, "post_logout_redirect_uri": "https://asset.example/bye",
        "state": "p"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/bye?state=p")
    assert not _alive(app, signed_in)


def test_without_redirect_uri_the_person_sees_a_signed_out_page(app, web, hint, signed_in):
    resp = web.get("/oauth2/logout", query_string={"id_token_hint": hint, "state": "x"})
    assert resp.status_code == 200 and "Location" not in resp.headers
    assert "You are signed out" in resp.get_data(as_text=True)
    assert not _alive(app, signed_in)


def test_foreign_redirect_uri_is_never_followed(app, web, hint, signed_in):
    for foreign in ("https://evil.example/bye", "https://asset.example/bye/",
                    "https://asset.example/bye?x=1", "https://building.example/bye"):
        resp = web.get("/oauth2/logout", query_string={
            "id_token_hint": hint, "post_logout_redirect_uri": foreign, "state": "s"})
        assert resp.status_code == 200, foreign
        assert "Location" not in resp.headers
        assert "not one it registered" in resp.get_data(as_text=True)
    assert not _alive(app, signed_in)


def test_redirect_uri_without_any_client_is_not_followed(app, web, signed_in):
    """No hint and no client_id: nothing verifies the target, so no redirect (§3)."""
    page = web.get("/oauth2/logout",
                   query_string={"post_logout_redirect_uri": "https://asset.example/bye"})
    assert page.status_code == 200 and "Sign out of Tomps?" in page.get_data(as_text=True)
    resp = web.post("/oauth2/logout/confirm", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "post_logout_redirect_uri": "https://asset.example/bye"})
    assert resp.status_code == 200 and "Location" not in resp.headers
    assert not _alive(app, signed_in)


def test_no_hint_asks_for_confirmation_before_ending_anything(app, web, asset, signed_in):
    page = web.get("/oauth2/logout", query_string={
        "client_id": asset["client_id"], "post_logout_redirect_uri": "https://asset.example/bye",
        "state": "st"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sign out of Tomps?" in html and "Tomps Asset" in html
    assert _alive(app, signed_in)
    resp = web.post("/oauth2/logout/confirm", data={
        "csrf_token": csrf_token(html), "client_id": asset["client_id"],
        "post_logout_redirect_uri": "https://asset.example/bye", "state": "st"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "https://asset.example/bye?state=st"
    assert not _alive(app, signed_in)


def test_confirmation_without_csrf_token_ends_nothing(app, web, asset, signed_in):
    web.get("/oauth2/logout", query_string={"client_id": asset["client_id"]})
    resp = web.post("/oauth2/logout/confirm", data={
        "client_id": asset["client_id"], "post_logout_redirect_uri": "https://asset.example/bye"})
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert "expired or was tampered" in resp.get_data(as_text=True)
    assert _alive(app, signed_in)


def test_confirmation_with_a_forged_csrf_token_ends_nothing(app, web, signed_in):
    resp = web.post("/oauth2/logout/confirm", data={"csrf_token": "forged"})
    assert resp.status_code == 400
    assert _alive(app, signed_in)


def test_hint_of_another_person_asks_for_confirmation(app, web, asset, signed_in, user):
    other = mint_id_token(app, asset["client_id"], int(user["id"]) + 1000)
    page = web.get("/oauth2/logout", query_string={"id_token_hint": other})
    assert page.status_code == 200 and "Sign out of Tomps?" in page.get_data(as_text=True)
    assert _alive(app, signed_in)


def test_expired_hint_is_accepted(app, web, asset, user, signed_in):
    """§2: the OP SHOULD accept an expired ID token as a hint."""
    old = mint_id_token(app, asset["client_id"], user["id"], sid=signed_in, lifetime=60)
    clock.advance(600)
    web.get("/signed-in")  # keep the SSO session from idling out
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": old, "post_logout_redirect_uri": "https://asset.example/bye"})
    assert resp.status_code == 302
    assert not _alive(app, signed_in)


def test_hint_signed_by_an_unknown_key_is_refused(app, web, asset, user, signed_in):
    key = RSAKey.generate_key(2048, parameters={"kid": "not-ours"})
    forged = jwt.encode({"alg": "RS256", "kid": "not-ours"},
                        {"iss": app.config["IDP"].issuer, "sub": str(user["id"]),
                         "aud": asset["client_id"], "sid": signed_in}, key)
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": forged, "post_logout_redirect_uri": "https://asset.example/bye"})
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert "cannot verify" in resp.get_data(as_text=True)
    assert _alive(app, signed_in)


@pytest.mark.parametrize("claims, message", [
    ({"iss": "https://other.example"}, "not issued by this server"),
    ({"aud": "no-such-client"}, "not known here"),
    ({"aud": ["a", "b"]}, "names several clients"),
    ({"sub": ""}, "no subject"),
    ({"events": {"x": {}}}, "not an ID token"),
])
def test_hint_with_bad_claims_is_refused(app, web, asset, user, signed_in, claims, message):
    token = mint_id_token(app, asset["client_id"], user["id"], **claims)
    resp = web.get("/oauth2/logout", query_string={"id_token_hint": token})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert message in resp.get_data(as_text=True)
    assert _alive(app, signed_in)


def test_logout_token_is_not_accepted_as_a_hint(app, web, asset, user, signed_in):
    from idp.keystore.signer import sign

    with app.app_context():
        token = sign({"iss": app.config["IDP"].issuer, "sub": str(user["id"]),
                      "aud": asset["client_id"]}, typ="logout+jwt")
    resp = web.get("/oauth2/logout", query_string={"id_token_hint": token})
    assert resp.status_code == 400
    assert _alive(app, signed_in)


def test_client_id_must_agree_with_the_hint(app, web, hint, rp_clients, signed_in):
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": hint, "client_id": rp_clients["building"]["client_id"],
        "post_logout_redirect_uri": "https://building.example/bye"})
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert _alive(app, signed_in)


def test_multi_audience_hint_with_client_id(app, web, asset, rp_clients, user, signed_in):
    token = mint_id_token(app, asset["client_id"], user["id"],
                          aud=[asset["client_id"], rp_clients["project"]["client_id"]])
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": token, "client_id": asset["client_id"],
        "post_logout_redirect_uri": "https://asset.example/bye"})
    assert resp.status_code == 302
    assert not _alive(app, signed_in)


@pytest.mark.parametrize("params", [
    {"id_token_hint": "not-a-jwt"},
    {"id_token_hint": "a.b.c"},
    {"id_token_hint": "x" * 20000},
    {"client_id": "unknown-client"},
    {"client_id": "c" * 65},
    {"state": "s" * 3000},
    {"post_logout_redirect_uri": "https://asset.example/" + "a" * 2100},
])
def test_bad_input_gets_a_readable_page_and_changes_nothing(app, web, signed_in, params):
    resp = web.get("/oauth2/logout", query_string=params)
    assert resp.status_code == 400
    assert resp.mimetype == "text/html" and "Location" not in resp.headers
    assert "Sign-out request not valid" in resp.get_data(as_text=True)
    assert _alive(app, signed_in)


def test_without_a_session_a_valid_request_just_redirects(web, asset, user):
    token = mint_id_token(web.application, asset["client_id"], user["id"])
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": token, "post_logout_redirect_uri": "https://asset.example/bye",
        "state": "z"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "https://asset.example/bye?state=z"


def test_without_a_session_and_without_hint_no_confirmation_is_needed(web, asset):
    resp = web.get("/oauth2/logout", query_string={
        "client_id": asset["client_id"], "post_logout_redirect_uri": "https://asset.example/bye"})
    assert resp.status_code == 302


def test_confirmation_page_renders_once(web, signed_in):
    resp = web.get("/oauth2/logout")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'name="csrf_token"' in html
    assert resp.headers["Cache-Control"] == "no-store"


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize("hint", [
    "é.é.é",
    _b64(b"not json") + "." + _b64(b"{}") + ".sig",
    _b64(b'{"alg":"none"}') + "." + _b64(b'{"iss":"http://127.0.0.1:5000","sub":"1","aud":"x"}') + ".",
    _b64(b'{"alg":"RS256","kid":"nope"}') + "." + _b64(b"[1,2]") + "." + _b64(b"sig"),
    _b64(b'{"alg":"HS256"}') + "." + _b64(b'{"sub":"1"}') + "." + _b64(b"sig"),
    "..",
])
def test_garbage_hints_get_a_page_not_a_500(app, web, signed_in, hint):
    resp = web.get("/oauth2/logout", query_string={"id_token_hint": hint})
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert _alive(app, signed_in)


def test_huge_post_body_is_refused_without_a_500(app, web, signed_in):
    resp = web.post("/oauth2/logout", data={"state": "s" * (2 * 1024 * 1024)})
    assert resp.status_code in (400, 413)
    assert _alive(app, signed_in)
