"""Federation fixtures: a stand-in upstream provider, an organisation connected to it,
and a browser helper that signs in through it (email first, then the upstream)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests import factories
from tests.helpers.upstream_oidc import UpstreamProvider
from tests.helpers.web import csrf_token

DOMAIN = "acme.example"


@pytest.fixture
def upstream(app, clean):
    from idp.federation.upstream import forget

    provider = UpstreamProvider()
    forget()
    yield provider
    provider.stop()
    forget()


def connect(org_id, issuer, client_id="tomps-at-acme", secret="upstream-secret",
            domains=(DOMAIN,), enforce=False):
    from idp.federation.config import set_federation

    return set_federation(org_id, issuer=issuer, client_id=client_id, client_secret=secret,
                          domains=list(domains), enforce=enforce)


@pytest.fixture
def acme(app, upstream):
    """Organisation Acme on the suite plan (10 seats), connected to the stand-in."""
    from idp.orgs.organizations import create_organization

    with app.app_context():
        factories.make_plans()
        org = create_organization("Acme")
        factories.set_status(org.id, "suite", "active")
        connect(org.id, upstream.url)
        return org.id


def start(web, email: str, interaction: str = ""):
    """The email step of the login page; returns the response (a redirect upstream or a page)."""
    page = web.get("/login" + (f"?interaction={interaction}" if interaction else ""))
    token = csrf_token(page.get_data(as_text=True))
    return web.post("/login", data={"email": email, "csrf_token": token,
                                     "interaction": interaction})


def at_upstream(location: str) -> str:
    """Follow our redirect at the upstream (it signs in at once); return our callback path."""
    resp = requests.get(location, allow_redirects=False, timeout=5)
    assert resp.status_code in (302, 303), resp.text[:300]
    back = urlsplit(resp.headers["Location"])
    assert back.path == "/login/federated/callback", back
    return f"{back.path}?{back.query}"


def sign_in(web, email: str = "dewi@" + DOMAIN, interaction: str = ""):
    """Email step → upstream → our callback; returns our callback's response."""
    resp = start(web, email, interaction)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return web.get(at_upstream(resp.headers["Location"]))


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def people(app, email: str):
    from idp.accounts.users import find_by_email

    with app.app_context():
        return find_by_email(email)
