"""Passkey pages through the test client: the security page, "Sign in with a passkey", the
authorization it continues (ID token amr/acr), require-totp organisations, refusals as pages."""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import parse_qs, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.helpers.web import csrf_token, login
from tests.helpers.webauthn import SoftAuthenticator

ORIGIN = "http://127.0.0.1:5000"


def query(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def add_passkey(web, authenticator, name="Laptop", **create):
    page = web.get("/account/security").get_data(as_text=True)
    token = csrf_token(page)
    options = web.post("/account/security/passkeys/options", json={},
                       headers={"X-CSRFToken": token})
    assert options.status_code == 200, options.get_data(as_text=True)
    body = options.get_json()
    response = authenticator.create(body["publicKey"], **create)
    return web.post("/account/security/passkeys", data={
        "csrf_token": token, "ceremony": body["ceremony"], "credential": json.dumps(response),
        "name": name})


def passkey_login(web, authenticator, interaction="", headers=None, **get):
    page = web.get("/login" + (f"?interaction={interaction}" if interaction else ""),
                   headers=headers or {})
    html = page.get_data(as_text=True)
    token = csrf_token(html)
    options = web.post("/login/passkey/options", json={"interaction": interaction},
                       headers={"X-CSRFToken": token})
    assert options.status_code == 200, options.get_data(as_text=True)
    body = options.get_json()
    return web.post("/login/passkey", headers=headers or {}, data={
        "csrf_token": token, "ceremony": body["ceremony"], "interaction": interaction,
        "credential": json.dumps(authenticator.get(body["publicKey"], **get))})


def enrolled(app, user):
    """A passkey registered by a signed-in browser; returns the authenticator."""
    web = app.test_client()
    login(web, user["email"], user["password"])
    authenticator = SoftAuthenticator(ORIGIN)
    resp = add_passkey(web, authenticator)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/security")
    page = web.get("/account/security").get_data(as_text=True)
    assert "Laptop" in page and "added" in page
    return authenticator


def test_the_login_page_offers_passkeys_with_conditional_ui(web, clean):
    resp = web.get("/login")
    html = resp.get_data(as_text=True)
    assert 'autocomplete="username webauthn"' in html
    assert "Sign in with a passkey" in html and "/static/web/passkeys.js" in html
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "<script>" not in html


def test_the_security_page_needs_a_signed_in_person(web, clean):
    assert web.get("/account/security").status_code == 302
    page = web.get("/login").get_data(as_text=True)
    resp = web.post("/account/security/passkeys/options", json={},
                    headers={"X-CSRFToken": csrf_token(page)})
    assert resp.status_code == 401 and resp.get_json()["error"] == "invalid_request"


def test_options_without_csrf_are_refused(web, clean):
    assert web.post("/login/passkey/options", json={}).status_code == 400


def test_register_rename_remove(app, web, user):
    login(web, user["email"], user["password"])
    authenticator = SoftAuthenticator(ORIGIN)
    assert add_passkey(web, authenticator, name="Work laptop").status_code == 302
    page = web.get("/account/security").get_data(as_text=True)
    passkey_id = re.search(r'data-passkey="(\d+)"', page).group(1)
    token = csrf_token(page)
    resp = web.post(f"/account/security/passkeys/{passkey_id}/rename",
                    data={"csrf_token": token, "name": "Phone"})
    assert resp.status_code == 302
    assert 'value="Phone"' in web.get("/account/security").get_data(as_text=True)
    resp = web.post(f"/account/security/passkeys/{passkey_id}/remove", data={"csrf_token": token})
    assert resp.status_code == 302
    page = web.get("/account/security").get_data(as_text=True)
    assert "No passkeys yet." in page and "Phone" in page  # the flash names it
    # Somebody else's passkey id: nothing to rename or remove.
    assert web.post("/account/security/passkeys/999999/remove",
                    data={"csrf_token": token}).status_code == 404


def test_a_registration_with_a_bad_origin_is_a_readable_page(app, web, user):
    login(web, user["email"], user["password"])
    resp = add_passkey(web, SoftAuthenticator(ORIGIN), origin="http://evil.example")
    assert resp.status_code == 400
    assert "could not be added" in resp.get_data(as_text=True)


def test_passkey_sign_in_continues_the_authorization_with_two_factors(app, user, make_client):
    from joserfc import jwt
    from joserfc.jwk import KeySet

    authenticator = enrolled(app, user)
    client = make_client(first_party=True)
    browser = app.test_client()
    verifier = secrets.token_urlsafe(48)
    resp = browser.get("/oauth2/authorize", query_string={
        "response_type": "code", "client_id": client["client_id"],
        "redirect_uri": client["redirect_uri"], "scope": "openid email", "state": "s1",
        "nonce": "n1", "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256"})
    interaction = query(resp.headers["Location"])["interaction"]
    resp = passkey_login(browser, authenticator, interaction)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    resp = browser.get(resp.headers["Location"])
    assert resp.status_code == 302 and resp.headers["Location"].startswith(client["redirect_uri"])
    code = query(resp.headers["Location"])["code"]
    tokens = browser.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": client["redirect_uri"],
        "code_verifier": verifier}, auth=(client["client_id"], client["client_secret"]))
    assert tokens.status_code == 200, tokens.get_data(as_text=True)
    keys = KeySet.import_key_set(browser.get("/.well-known/jwks.json").get_json())
    claims = jwt.decode(tokens.get_json()["id_token"], keys).claims
    assert claims["amr"] == ["hwk", "user", "mfa"] and claims["acr"] == "phr"
    assert claims["email"] == user["email"] and claims["nonce"] == "n1"
    discovery = browser.get("/.well-known/openid-configuration").get_json()
    assert claims["acr"] in discovery["acr_values_supported"]


def test_another_browsers_interaction_gets_a_page_and_no_login(app, user):
    from tests.helpers.web import bound_interaction

    authenticator = enrolled(app, user)
    owner = app.test_client()
    interaction = bound_interaction(app, owner, {"client_name": "Building"})
    stranger = app.test_client()
    page = stranger.get("/login").get_data(as_text=True)
    resp = stranger.post("/login/passkey/options", json={"interaction": interaction},
                         headers={"X-CSRFToken": csrf_token(page)})
    assert resp.status_code == 403
    # Options for no interaction, then claimed for the owner's interaction: refused.
    resp = stranger.post("/login/passkey/options", json={},
                         headers={"X-CSRFToken": csrf_token(page)})
    body = resp.get_json()
    assert resp.status_code == 200, resp.get_data(as_text=True)
    resp = stranger.post("/login/passkey", data={
        "csrf_token": csrf_token(page), "ceremony": body["ceremony"], "interaction": interaction,
        "credential": json.dumps(authenticator.get(body["publicKey"]))})
    assert resp.status_code == 403
    assert stranger.get("/signed-in").status_code == 302


def test_refusals_are_readable_login_pages(app, user):
    authenticator = enrolled(app, user)
    browser = app.test_client()
    resp = passkey_login(browser, authenticator, uv=False)
    assert resp.status_code == 401
    assert "could not be verified" in resp.get_data(as_text=True)
    stranger = SoftAuthenticator(ORIGIN)
    from tests.helpers.webauthn import Credential

    credential = Credential("127.0.0.1", b"h")
    stranger.credentials[credential.id] = credential
    resp = passkey_login(browser, stranger)
    assert resp.status_code == 401 and "not registered here" in resp.get_data(as_text=True)
    resp = browser.post("/login/passkey", data={
        "csrf_token": csrf_token(browser.get("/login").get_data(as_text=True)),
        "ceremony": "x" * 32, "credential": "{not json"})
    assert resp.status_code == 400 and "Sign in" in resp.get_data(as_text=True)
    assert browser.get("/signed-in").status_code == 302


def test_a_cloned_passkey_is_refused_and_locked(app, user):
    authenticator = enrolled(app, user)
    browser = app.test_client()
    assert passkey_login(browser, authenticator, sign_count=7).status_code == 302
    resp = passkey_login(app.test_client(), authenticator, sign_count=3)
    assert resp.status_code == 401 and "locked" in resp.get_data(as_text=True)
    resp = passkey_login(app.test_client(), authenticator, sign_count=8)
    assert resp.status_code == 401 and "locked" in resp.get_data(as_text=True)


def test_the_page_speaks_indonesian(app, user):
    authenticator = enrolled(app, user)
    resp = passkey_login(app.test_client(), authenticator, uv=False,
                         headers={"Accept-Language": "id"})
    html = resp.get_data(as_text=True)
    assert "Masuk dengan passkey" in html and "tidak dapat diverifikasi" in html


def require_two_steps(app, user_id):
    from idp.extensions import db
    from idp.storage.models import Membership, Organization

    with app.app_context():
        org = Organization(name="Strict", require_totp=True)
        db.session.add(org)
        db.session.flush()
        db.session.add(Membership(organization_id=org.id, user_id=user_id, role="member"))
        db.session.commit()


def test_an_organisation_requiring_two_steps_takes_a_passkey_instead_of_totp(app, user):
    from idp.sessions import store as sso

    authenticator = enrolled(app, user)
    require_two_steps(app, user["id"])
    browser = app.test_client()
    resp = login(browser, user["email"], user["password"])
    assert resp.status_code == 401
    assert "sign in with your passkey" in resp.get_data(as_text=True)
    assert browser.get("/signed-in").status_code == 302
    resp = passkey_login(browser, authenticator)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/signed-in")
    assert browser.get("/signed-in").status_code == 200  # no enrolment asked
    with app.app_context():
        amrs = sorted((s.amr, s.acr) for s in sso.list_for_user(user["id"]))
    assert amrs == [(["hwk", "user", "mfa"], "phr"), (["pwd"], "0")]  # this one, enrolled()'s
    with app.app_context():
        from idp.audit import search

        methods = [e.detail["method"] for e in search(type="login.succeeded")]
    assert methods == ["password", "passkey"]


def test_the_last_passkey_stays_in_an_organisation_requiring_two_steps(app, user):
    authenticator = enrolled(app, user)
    require_two_steps(app, user["id"])
    browser = app.test_client()
    passkey_login(browser, authenticator)
    page = browser.get("/account/security").get_data(as_text=True)
    passkey_id = re.search(r'data-passkey="(\d+)"', page).group(1)
    resp = browser.post(f"/account/security/passkeys/{passkey_id}/remove",
                        data={"csrf_token": csrf_token(page)})
    assert resp.status_code == 409
    assert "cannot remove your last passkey" in resp.get_data(as_text=True)


def test_adding_a_passkey_needs_a_recent_sign_in(app, web, user):
    from idp import clock
    from idp.accounts import passkeys

    login(web, user["email"], user["password"])
    page = web.get("/account/security").get_data(as_text=True)
    token = csrf_token(page)
    body = web.post("/account/security/passkeys/options", json={},
                    headers={"X-CSRFToken": token}).get_json()
    response = SoftAuthenticator(ORIGIN).create(body["publicKey"])
    clock.advance(16 * 60)  # the session lives on; the sign-in is no longer recent
    resp = web.post("/account/security/passkeys", data={
        "csrf_token": token, "ceremony": body["ceremony"], "credential": json.dumps(response),
        "name": "Late"})
    assert resp.status_code == 403 and "sign in again" in resp.get_data(as_text=True)
    resp = web.post("/account/security/passkeys/options", json={},
                    headers={"X-CSRFToken": token})
    assert resp.status_code == 403
    assert "Add a passkey" not in web.get("/account/security").get_data(as_text=True)
    with app.app_context():
        assert passkeys.list_for(user["id"]) == []
    login(web, user["email"], user["password"])  # signing in again opens the window again
    assert add_passkey(web, SoftAuthenticator(ORIGIN)).status_code == 302
