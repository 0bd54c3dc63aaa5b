"""The login page: CSRF, one message for every failure, a server-side session."""

import time

import pytest

from tests.helpers.web import csrf_token, login

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def test_login_page_renders_with_csrf(web):
    resp = web.get("/login")
    assert resp.status_code == 200
    assert "csrf_token" in resp.get_data(as_text=True)


def test_login_hint_prefills_email(web):
    resp = web.get("/login?login_hint=bob%40example.com")
    assert 'value="bob@example.com"' in resp.get_data(as_text=True)


def test_login_reflects_no_markup(web):
    resp = web.get('/login?login_hint="><script>alert(1)</script>')
    body = resp.get_data(as_text=True)
    assert "<script>alert(1)" not in body


def test_correct_password_signs_in(web, user):
    resp = login(web, user["email"], user["password"])
    assert resp.status_code == 302
    page = web.get("/signed-in")
    assert page.status_code == 200
    assert user["email"] in page.get_data(as_text=True)


def test_email_is_case_insensitive(web, user):
    resp = login(web, user["email"].upper(), user["password"])
    assert resp.status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(web, user):
    wrong = login(web, user["email"], "not the password")
    unknown = login(web, "nobody@example.com", user["password"])
    assert wrong.status_code == unknown.status_code == 401
    message = "The email or password is incorrect."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert web.get("/signed-in").status_code == 302


def test_unknown_email_still_pays_a_hash(app, web, user):
    """No timing oracle: an unknown email costs about as much as a wrong password."""
    from idp.accounts.authenticate import authenticate

    with app.app_context():
        def timed(email):
            start = time.perf_counter()
            for _ in range(5):
                authenticate(email, "wrong password")
            return time.perf_counter() - start

        timed(user["email"])  # warm up
        known, unknown = timed(user["email"]), timed("nobody@example.com")
    assert unknown > known * 0.5


def test_post_without_csrf_is_refused(web, user):
    resp = web.post("/login", data={"email": user["email"], "password": user["password"]})
    assert resp.status_code == 400
    assert web.get("/signed-in").status_code == 302


def test_disabled_user_cannot_sign_in(app, web, user):
    from idp.accounts.users import set_disabled

    with app.app_context():
        set_disabled(user["email"])
    assert login(web, user["email"], user["password"]).status_code == 401


def test_session_lives_in_the_store_and_sign_out_ends_it(app, web, user):
    from idp.sessions import store as sso

    login(web, user["email"], user["password"])
    with app.app_context():
        sessions = sso.list_for_user(user["id"])
    assert len(sessions) == 1 and sessions[0].amr == ["pwd"]
    page = web.get("/signed-in")
    resp = web.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert resp.status_code == 200
    with app.app_context():
        assert sso.list_for_user(user["id"]) == []
    assert web.get("/signed-in").status_code == 302


def test_session_cookie_flags(web, user):
    resp = login(web, user["email"], user["password"])
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_idle_session_expires(app, web, user):
    from idp import clock

    login(web, user["email"], user["password"])
    clock.advance(app.config["IDP"].session_idle_timeout + 1)
    assert web.get("/signed-in").status_code == 302


def test_interaction_param_is_not_a_redirect_target(web, user):
    page = web.get("/login?interaction=https://evil.example/")
    token = csrf_token(page.get_data(as_text=True))
    resp = web.post("/login", data={"email": user["email"], "password": user["password"],
                                     "csrf_token": token, "interaction": "https://evil.example/"})
    assert resp.status_code == 302
    assert "evil.example" not in resp.headers["Location"]
