"""Fixtures for the relying-party kit: signing keys of a stand-in issuer, a live IdP over
HTTP (this run's Postgres and Redis), and a product app built on the kit against it."""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from idp.rp.jwks_cache import JWKSCache
from tests.conftest import PASSWORD, dispose, make_app

ISSUER = "https://id.tomps.example"


class Issuer:
    """A stand-in issuer for offline validation tests: keys, a JWKS, a token minter."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.impostor = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.jwks = {"keys": [self.key.as_dict(private=False)]}

    def cache(self, **kwargs) -> JWKSCache:
        return JWKSCache(lambda: self.jwks, **kwargs)

    def sign(self, claims: dict, key=None, **header) -> str:
        header = {"alg": "RS256", "kid": "k1", **header}
        return jwt.encode({k: v for k, v in header.items() if v is not None}, claims,
                          key or self.key)

    def id_claims(self, **changes) -> dict:
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": "42", "aud": "rp1", "iat": now, "exp": now + 300,
                  "nonce": "n-1", "sid": "s-1"}
        return _changed(claims, changes)

    def access_claims(self, **changes) -> dict:
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": "42", "aud": ["https://project.tomps.example"],
                  "client_id": "rp1", "iat": now, "exp": now + 300, "jti": "j-1",
                  "scope": "openid", "org_id": 7, "org_name": "Acme", "org_role": "member",
                  "plan_status": "active", "products": ["building", "project"], "plan": "duo",
                  "limits": {"seats": 10, "projects": 25, "assets": None, "storage_gb": None}}
        return _changed(claims, changes)


def _changed(claims: dict, changes: dict) -> dict:
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


@pytest.fixture(scope="session")
def issuer():
    return Issuer()


@pytest.fixture
def live_idp(clean):
    """The IdP serving HTTP on a free port; yields (issuer URL, app)."""
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
def entitled_person(live_idp, user):
    """The person's organisation is on Duo (Building + Project)."""
    from idp.orgs import subscriptions
    from idp.orgs.organizations import add_member, create_organization
    from idp.orgs.plans import create_plan

    _, app = live_idp
    with app.app_context():
        create_plan("duo", "Duo", ["building", "project"], tier=2, projects=25)
        org = create_organization("Acme")
        add_member(org.id, user["email"], "owner")
        subscriptions.start(org.id, "duo")
    return user


def register(app, product: str, base_url: str) -> dict:
    """Register a first-party product client for a kit app at ``base_url``."""
    from idp.clients.registry import create_client
    from idp.orgs.products import get_product
    from idp.rp.flask import registration_uris

    uris = registration_uris(base_url)
    with app.app_context():
        client, secret = create_client(
            f"Tomps {product.title()}", [uris["redirect_uri"]], first_party=True, product=product,
            post_logout_redirect_uris=[uris["post_logout_redirect_uri"]],
            backchannel_logout_uri=uris["backchannel_logout_uri"])
        audience = get_product(product).audience
    return {"RP_ISSUER": app.config["IDP"].issuer, "RP_CLIENT_ID": client.client_id,
            "RP_CLIENT_SECRET": secret, "RP_BASE_URL": base_url, "RP_PRODUCT": product,
            "RP_AUDIENCE": audience}


class Browser:
    """A person's browser across the IdP (requests, over HTTP) and a kit app (test client)."""

    def __init__(self, issuer: str, app_client, person: dict):
        self.issuer, self.app, self.person = issuer, app_client, person
        self.idp = requests.Session()

    def start(self, path: str = "/"):
        """Open ``path`` at the app; return the IdP URL it sends the browser to."""
        resp = self.app.get(path)
        if resp.status_code == 302 and "/login?" in resp.headers["Location"]:
            resp = self.app.get(urlsplit(resp.headers["Location"]).path + "?" +
                                urlsplit(resp.headers["Location"]).query)
        assert resp.status_code == 302, resp.status_code
        return resp.headers["Location"]

    def authorize(self, url: str) -> str:
        """Follow the IdP (signing in when asked); return the app callback URL it redirects to."""
        resp = self.idp.get(url, allow_redirects=False)
        location = resp.headers.get("Location", "")
        if "/login?" in location:
            login_url = urljoin(url, location)
            page = self.idp.get(login_url)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
            interaction = parse_qs(urlsplit(login_url).query)["interaction"][0]
            resp = self.idp.post(urljoin(url, "/login"), allow_redirects=False, data={
                "email": self.person["email"], "password": self.person["password"],
                "csrf_token": token, "interaction": interaction})
            resp = self.idp.get(urljoin(url, resp.headers["Location"]), allow_redirects=False)
        return resp

    def callback(self, location: str):
        parts = urlsplit(location)
        return self.app.get(parts.path + "?" + parts.query)

    def sign_in(self, path: str = "/"):
        """The whole round trip; returns the app's answer to the callback."""
        resp = self.authorize(self.start(path))
        assert resp.status_code == 302, resp.text[:300]
        return self.callback(resp.headers["Location"])


@pytest.fixture
def product_app(live_idp, entitled_person):
    """The demo's Project app (in the person's plan), its test client and a browser.

    The app is ``create_product_app`` (the documented integration) with the demo's page
    extras; it answers at http://localhost, the test client's host.
    """
    from idp.demo.product_app import demo_app

    issuer, app = live_idp
    config = register(app, "project", "http://localhost")
    rp_app = demo_app(config, {})
    rp_app.config["TESTING"] = True
    client = rp_app.test_client()
    return rp_app, client, Browser(issuer, client, {**entitled_person, "password": PASSWORD})
