"""Passkeys in headless Chromium with the DevTools virtual authenticator (CTAP2, resident
keys, user verification): register from the security page, sign in with no username and
finish an authorization at a client (ID token amr), a cloned credential (its signature
counter set back with WebAuthn.addCredential) refused and locked, a removed passkey refused.

The IdP runs in this process on http://localhost:PORT (a secure context, as WebAuthn
requires); its RP ID is therefore "localhost". Screenshots in English and Indonesian go to
$IDP_ARTIFACTS_DIR/passkeys (default artifacts/passkeys).
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.demo.conftest import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# With a virtual authenticator holding one matching passkey, Chromium resolves a conditional
# request (autofill) at once. Tests of the button hide conditional mediation from the page
# (as on a browser without it); test_conditional_ui_signs_in_from_autofill keeps it.
NO_CONDITIONAL_UI = ("PublicKeyCredential.isConditionalMediationAvailable = "
                     "() => Promise.resolve(false);")


@pytest.fixture(scope="module")
def artifacts() -> Path:
    path = Path(os.environ.get("IDP_ARTIFACTS_DIR") or ROOT / "artifacts") / "passkeys"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def idp(instances, user):
    """This run's IdP served at http://localhost:PORT, with a first-party client."""
    from werkzeug.serving import make_server

    from tests import factories

    from werkzeug.wrappers import Request, Response

    seen: list[str] = []

    @Request.application
    def relying_party(request):  # the client's redirect URI: notes what it was sent
        if request.path == "/cb":  # not the favicon Chromium asks for next
            seen.append(request.url)
        return Response("client")

    rp = make_server("127.0.0.1", 0, relying_party, threaded=True)
    callback = f"http://127.0.0.1:{rp.server_port}/cb"
    server = make_server("127.0.0.1", 0, None, threaded=True)
    issuer = f"http://localhost:{server.server_port}"
    application = instances(issuer=issuer)
    server.app = application
    with application.app_context():
        client = factories.make_client(redirect_uri=callback, first_party=True)
    for running in (server, rp):
        threading.Thread(target=running.serve_forever, daemon=True).start()
    yield {"issuer": issuer, "app": application, "client": client, "user": user,
           "callback": callback, "seen": seen}
    for running in (server, rp):
        running.shutdown()
        running.server_close()


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Authenticator:
    """A DevTools virtual authenticator attached to one page."""

    def __init__(self, context, page):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})
        self.id = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True,
            "automaticPresenceSimulation": True}})["authenticatorId"]

    def credentials(self) -> list[dict]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]

    def replace(self, credential: dict) -> None:
        self.cdp.send("WebAuthn.removeCredential", {"authenticatorId": self.id,
                                                    "credentialId": credential["credentialId"]})
        self.cdp.send("WebAuthn.addCredential", {"authenticatorId": self.id,
                                                 "credential": credential})


def authorize(page, idp, verifier):
    client = idp["client"]
    query = {"response_type": "code", "client_id": client["client_id"],
             "redirect_uri": idp["callback"], "scope": "openid email", "state": "st",
             "nonce": "nonce-1", "code_challenge": create_s256_code_challenge(verifier),
             "code_challenge_method": "S256"}
    url = idp["issuer"] + "/oauth2/authorize?" + "&".join(
        f"{k}={requests.utils.quote(v, safe='')}" for k, v in query.items())
    page.goto(url)
    page.wait_for_selector("[data-passkey-button]", state="visible")


def sign_in_with_password(page, idp):
    page.goto(idp["issuer"] + "/login")
    page.fill("#email", idp["user"]["email"])
    page.click("#email-step button[type=submit]")  # email first, then the password
    page.fill("#password", idp["user"]["password"])
    page.click("#password-step button[type=submit]")
    page.wait_for_url("**/signed-in")


def test_passkeys_in_chromium(idp, chromium, artifacts):
    from joserfc import jwt
    from joserfc.jwk import KeySet

    context = chromium.new_context(viewport={"width": 1000, "height": 800}, locale="en-US")
    context.add_init_script(NO_CONDITIONAL_UI)
    codes = idp["seen"]
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    authenticator = Authenticator(context, page)

    # 1. Register from the security page, with a name.
    sign_in_with_password(page, idp)
    page.goto(idp["issuer"] + "/account/security")
    page.wait_for_selector("[data-passkey-register]", state="visible")
    page.fill("#passkey-name", "Chromium laptop")
    page.click("[data-passkey-button]")
    page.wait_for_selector("text=Passkey “Chromium laptop” added.")
    [credential] = authenticator.credentials()
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"
    page.screenshot(path=str(artifacts / "1-security-page-en.png"), full_page=True)

    # 2. Sign out; username-less sign-in at the login page of an authorization request.
    page.goto(idp["issuer"] + "/signed-in")
    page.click("text=Sign out")
    verifier = secrets.token_urlsafe(48)
    authorize(page, idp, verifier)
    assert page.get_attribute("#email", "autocomplete") == "username webauthn"
    page.screenshot(path=str(artifacts / "2-login-en.png"), full_page=True)
    page.click("[data-passkey-button]")
    page.wait_for_url(idp["callback"] + "**")
    params = {k: v[0] for k, v in parse_qs(urlsplit(codes[-1]).query).items()}
    assert params["state"] == "st" and "code" in params
    tokens = requests.post(idp["issuer"] + "/oauth2/token", data={
        "grant_type": "authorization_code", "code": params["code"], "redirect_uri": idp["callback"],
        "code_verifier": verifier}, auth=(idp["client"]["client_id"],
                                          idp["client"]["client_secret"]), timeout=10)
    assert tokens.status_code == 200, tokens.text
    keys = KeySet.import_key_set(requests.get(idp["issuer"] + "/.well-known/jwks.json",
                                              timeout=10).json())
    claims = jwt.decode(tokens.json()["id_token"], keys).claims
    assert claims["amr"] == ["hwk", "user", "mfa"] and claims["acr"] == "phr"
    assert claims["email"] == idp["user"]["email"] and claims["nonce"] == "nonce-1"

    # 3. A cloned credential: the same key with its counter set back. Refused and locked.
    [used] = authenticator.credentials()
    assert used["signCount"] >= 1
    authenticator.replace(dict(used, signCount=0))
    context.clear_cookies()
    page.goto(idp["issuer"] + "/login")
    page.wait_for_selector("[data-passkey-button]", state="visible")
    page.click("[data-passkey-button]")
    page.wait_for_selector("text=This passkey is locked")
    page.screenshot(path=str(artifacts / "3-cloned-refused-en.png"), full_page=True)
    # Locked from then on, even with the genuine (higher) counter.
    authenticator.replace(dict(used, signCount=used["signCount"] + 10))
    page.goto(idp["issuer"] + "/login")
    page.wait_for_selector("[data-passkey-button]", state="visible")
    page.click("[data-passkey-button]")
    page.wait_for_selector("text=This passkey is locked")
    with idp["app"].app_context():
        from idp.accounts import passkeys
        from idp.audit import search

        [row] = passkeys.list_for(idp["user"]["id"])
        assert row.locked_at is not None
        assert [e.reason for e in search(type="passkey.locked")] == ["sign_count_regression"]

    # 4. The person removes the locked passkey; the authenticator still holds it: refused.
    sign_in_with_password(page, idp)
    page.goto(idp["issuer"] + "/account/security")
    page.wait_for_selector("text=Locked: it may have been copied")
    page.click("[data-passkey] button:has-text('Remove')")
    page.wait_for_selector("text=No passkeys yet.")
    page.goto(idp["issuer"] + "/signed-in")
    page.click("text=Sign out")
    page.goto(idp["issuer"] + "/login")
    page.wait_for_selector("[data-passkey-button]", state="visible")
    page.click("[data-passkey-button]")
    page.wait_for_selector("text=This passkey is not registered here")
    page.screenshot(path=str(artifacts / "4-removed-refused-en.png"), full_page=True)
    unexpected = [e for e in errors if "status of 401" not in e and "status of 400" not in e]
    assert unexpected == [], unexpected
    context.close()


def test_passkey_pages_in_indonesian(idp, chromium, artifacts):
    context = chromium.new_context(viewport={"width": 1000, "height": 800}, locale="id-ID")
    context.add_init_script(NO_CONDITIONAL_UI)
    page = context.new_page()
    Authenticator(context, page)
    sign_in_with_password(page, idp)
    page.goto(idp["issuer"] + "/account/security")
    page.wait_for_selector("text=Tambah passkey", state="visible")
    page.fill("#passkey-name", "Laptop kantor")
    page.click("[data-passkey-button]")
    page.wait_for_selector("text=Passkey “Laptop kantor” ditambahkan.")
    page.screenshot(path=str(artifacts / "1-security-page-id.png"), full_page=True)
    page.goto(idp["issuer"] + "/signed-in")
    page.click("form button[type=submit]")
    page.goto(idp["issuer"] + "/login")
    page.wait_for_selector("text=Masuk dengan passkey", state="visible")
    page.screenshot(path=str(artifacts / "2-login-id.png"), full_page=True)
    page.click("[data-passkey-button]")
    page.wait_for_url("**/signed-in")
    context.close()


def test_conditional_ui_signs_in_from_autofill(idp, chromium):
    # The email field offers the passkey (autocomplete="username webauthn", mediation
    # "conditional"); the virtual authenticator picks it as a person would: no click needed.
    context = chromium.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    Authenticator(context, page)
    sign_in_with_password(page, idp)
    page.goto(idp["issuer"] + "/account/security")
    page.wait_for_selector("[data-passkey-register]", state="visible")
    page.click("[data-passkey-button]")
    page.wait_for_selector("text=added")
    page.goto(idp["issuer"] + "/signed-in")
    page.click("text=Sign out")
    assert page.evaluate("PublicKeyCredential.isConditionalMediationAvailable()") is True
    page.goto(idp["issuer"] + "/login")
    page.wait_for_url("**/signed-in")
    assert "You are signed in" in page.content()
    context.close()
