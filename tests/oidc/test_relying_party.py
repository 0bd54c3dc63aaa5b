"""A real relying party (Authlib's requests client) against a live IdP over HTTP."""

import re
import threading
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.oidc.conftest import dispose

REDIRECT_URI = "http://127.0.0.1:9/callback"


@pytest.fixture
def live_idp(clean):
    server = make_server("127.0.0.1", 0, None, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    server.app = make_app(issuer=base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url, server.app
    server.shutdown()
    thread.join(5)
    dispose(server.app)


@pytest.fixture
def rp_client(live_idp, user):
    from idp.clients.registry import create_client

    _, app = live_idp
    with app.app_context():
        client, secret = create_client("Demo RP", [REDIRECT_URI], first_party=True)
        return client.client_id, secret


def _browser_login(browser, url, user) -> str:
    """Follow the IdP's redirects through the login form; return the callback URL."""
    resp = browser.get(url, allow_redirects=False)
    login_url = urljoin(url, resp.headers["Location"])
    page = browser.get(login_url)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    interaction = parse_qs(urlsplit(login_url).query)["interaction"][0]
    resp = browser.post(urljoin(url, "/login"), allow_redirects=False, data={
        "email": user["email"], "password": user["password"], "csrf_token": token,
        "interaction": interaction})
    resp = browser.get(urljoin(url, resp.headers["Location"]), allow_redirects=False)
    return resp.headers["Location"]


def test_relying_party_completes_the_flow(live_idp, rp_client, user):
    base_url, _ = live_idp
    meta = requests.get(f"{base_url}/.well-known/openid-configuration", timeout=5).json()
    assert meta["issuer"] == base_url
    client_id, secret = rp_client
    rp = OAuth2Session(client_id, secret, scope="openid profile email",
                       redirect_uri=REDIRECT_URI, code_challenge_method="S256")
    verifier, nonce = generate_token(48), generate_token(16)
    url, state = rp.create_authorization_url(meta["authorization_endpoint"], nonce=nonce,
                                             code_verifier=verifier)
    with requests.Session() as browser:
        callback = _browser_login(browser, url, user)
    assert parse_qs(urlsplit(callback).query)["iss"] == [base_url]
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=callback,
                           code_verifier=verifier, state=state)

    keys = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=5).json())
    id_token = jwt.decode(token["id_token"], keys)
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": base_url},
                          aud={"essential": True, "value": client_id},
                          nonce={"essential": True, "value": nonce},
                          exp={"essential": True}).validate(id_token.claims)

    info = rp.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == id_token.claims["sub"] and info["email"] == user["email"]

    old_refresh = token["refresh_token"]
    new = rp.refresh_token(meta["token_endpoint"])
    assert new["refresh_token"] != old_refresh

    assert rp.revoke_token(meta["revocation_endpoint"], new["refresh_token"],
                           token_type_hint="refresh_token").status_code == 200
    again = requests.post(meta["token_endpoint"], auth=(client_id, secret), timeout=5,
                          data={"grant_type": "refresh_token",
                                "refresh_token": new["refresh_token"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
