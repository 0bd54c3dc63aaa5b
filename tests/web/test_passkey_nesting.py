"""A passkey response nested too deep for Python's JSON parser (``[[[[…``: RecursionError,
not ValueError) is a refused passkey, never a 500 (issue 11 item 8, the same class of
error everywhere else): the credential field itself (parsed by web/passkeys.py), and the
clientDataJSON inside it (parsed by py_webauthn, which refuses it: kept as a guard)."""

from __future__ import annotations

from tests.helpers.web import csrf_token, login
from tests.helpers.webauthn import SoftAuthenticator
from tests.web.test_passkey_pages import ORIGIN, add_passkey, enrolled, passkey_login

DEEP = "[" * 5000 + "]" * 5000  # within the form's 16,384 characters


class DeepClientData(SoftAuthenticator):
    """Signs what it is asked to, but its clientDataJSON is nested too deep."""

    def _client_data(self, kind, challenge, origin):
        return DEEP.encode()


def test_a_credential_nested_too_deep_is_a_refused_sign_in(web, clean):
    resp = web.post("/login/passkey", data={
        "csrf_token": csrf_token(web.get("/login").get_data(as_text=True)),
        "ceremony": "x" * 32, "credential": DEEP})
    assert resp.status_code == 400 and "Sign in" in resp.get_data(as_text=True)
    assert web.get("/signed-in").status_code == 302


def test_client_data_nested_too_deep_is_a_refused_sign_in(app, user):
    genuine = enrolled(app, user)
    deep = DeepClientData(ORIGIN)
    deep.credentials = genuine.credentials  # the registered passkey, a response made deep
    browser = app.test_client()
    resp = passkey_login(browser, deep)
    assert resp.status_code == 401 and "could not be verified" in resp.get_data(as_text=True)
    assert browser.get("/signed-in").status_code == 302


def test_a_credential_nested_too_deep_is_not_added(web, user):
    login(web, user["email"], user["password"])
    token = csrf_token(web.get("/account/security").get_data(as_text=True))
    resp = web.post("/account/security/passkeys", data={
        "csrf_token": token, "ceremony": "x" * 32, "credential": DEEP, "name": "Deep"})
    assert resp.status_code == 400 and "could not be added" in resp.get_data(as_text=True)


def test_client_data_nested_too_deep_is_not_added(web, user):
    login(web, user["email"], user["password"])
    resp = add_passkey(web, DeepClientData(ORIGIN), name="Deep")
    assert resp.status_code == 400 and "could not be added" in resp.get_data(as_text=True)
    assert "Deep" not in web.get("/account/security").get_data(as_text=True)
