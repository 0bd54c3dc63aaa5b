"""Fixtures and helpers for driving the OIDC endpoints like a browser and an RP."""

from __future__ import annotations

import base64
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.helpers.web import login

ISSUER = "http://127.0.0.1:5000"


def query(location: str) -> dict:
    """The query parameters of a redirect, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def basic(client_id: str, secret: str) -> dict:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


class Flow:
    """One relying party's view: authorize, exchange, refresh."""

    def __init__(self, web, client, user):
        self.web, self.client, self.user = web, client, user
        self.verifier = secrets.token_urlsafe(48)

    def params(self, **extra):
        params = {"response_type": "code", "client_id": self.client["client_id"],
                  "redirect_uri": self.client["redirect_uri"], "scope": "openid profile email",
                  "state": "st-1", "nonce": secrets.token_urlsafe(8),
                  "code_challenge": create_s256_code_challenge(self.verifier),
                  "code_challenge_method": "S256"}
        params.update(extra)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, **extra):
        return self.web.get("/oauth2/authorize", query_string=self.params(**extra))

    def login(self):
        return login(self.web, self.user["email"], self.user["password"])

    def code(self, **extra) -> str:
        """Sign in (if needed) and return a fresh code."""
        resp = self.authorize(**extra)
        if "/login" in resp.headers.get("Location", ""):
            interaction = query(resp.headers["Location"])["interaction"]
            resp = login(self.web, self.user["email"], self.user["password"], interaction)
            resp = self.web.get(resp.headers["Location"])
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        params = query(resp.headers["Location"])
        assert "code" in params, params
        return params["code"]

    def auth(self, data: dict) -> dict:
        if self.client["client_secret"]:
            return basic(self.client["client_id"], self.client["client_secret"])
        data["client_id"] = self.client["client_id"]
        return {}

    def exchange(self, code: str, **extra):
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": self.client["redirect_uri"], "code_verifier": self.verifier}
        data.update(extra)
        data = {k: v for k, v in data.items() if v is not None}
        headers = self.auth(data)
        return self.web.post("/oauth2/token", data=data, headers=headers)

    def tokens(self, **extra) -> dict:
        resp = self.exchange(self.code(**extra))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return resp.get_json()

    def refresh(self, refresh_token: str, client=None, **extra):
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
        headers = self.auth(data)
        return (client or self.web).post("/oauth2/token", data=data, headers=headers)


@pytest.fixture
def flow(web, user, confidential_client):
    return Flow(web, confidential_client, user)


@pytest.fixture
def public_client(make_client):
    return make_client(public=True, first_party=True, redirect_uri="http://127.0.0.1:8765/cb")


@pytest.fixture
def public_flow(web, user, public_client):
    return Flow(web, public_client, user)


@pytest.fixture
def third_party(make_client):
    return make_client(first_party=False, redirect_uri="https://third.example/cb")


@pytest.fixture
def third_flow(web, user, third_party):
    return Flow(web, third_party, user)


def decode(web, token: str) -> dict:
    """Verify one of our JWTs against the published JWKS (joserfc) and return its claims."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set(web.get("/.well-known/jwks.json").get_json())
    return dict(jwt.decode(token, keys).claims)


def header(token: str) -> dict:
    import json

    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def dispose(app) -> None:
    """Release a second app instance's subscriber thread and database connections."""
    from idp.extensions import db

    for unsubscribe in app.extensions.get("idp.unsubscribe", ()):
        unsubscribe()
    with app.app_context():
        db.engine.dispose()


PRODUCTS = ("building", "project", "asset")


@pytest.fixture
def apps(app, web, user, make_client):
    """Plans starter/duo/suite, one first-party client per product and the account portal."""
    from tests.factories import make_plans

    with app.app_context():
        make_plans()
    flows = {p: Flow(web, make_client(first_party=True, product=p, name=f"Tomps {p.title()}",
                                      redirect_uri=f"https://{p}.example/cb"), user)
             for p in PRODUCTS}
    flows["portal"] = Flow(web, make_client(first_party=True, name="Account",
                                            redirect_uri="https://account.example/cb"), user)
    return flows


def org(app, email: str, plan: str | None = "suite", status: str = "active", **kw) -> int:
    """An organisation with ``email`` as a member, on ``plan`` in ``status``."""
    from tests.factories import org_on_plan

    with app.app_context():
        return org_on_plan(email, plan, status, **kw)
