"""The upstream is a second instance of this IdP: its own SQLite database and store, served
over real HTTP on a free port. A person of Globex signs in there with their password and
lands here, signed in, a member of Globex, without a password here."""

from __future__ import annotations

import re
import threading
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from tests import factories
from tests.conftest import make_embedded_app
from tests.federation.conftest import connect, start
from tests.oidc.conftest import Flow, decode, query

CALLBACK = "http://127.0.0.1:5000/login/federated/callback"  # our issuer (conf/test.toml)


@pytest.fixture
def second_idp(tmp_path):
    """Another Tomps Identity: {url, client_id, client_secret, person}."""
    from idp.clients.registry import create_client
    from idp.extensions import db
    from idp.federation.upstream import forget
    from idp.keystore.keys import new_key
    from idp.storage import migrate

    server = make_server("127.0.0.1", 0, None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    upstream_app = make_embedded_app(tmp_path, issuer=url)
    with upstream_app.app_context():
        migrate.upgrade()
        new_key("RS256", state="active")
        db.session.commit()
        person = factories.make_user("rina")
        client, secret = create_client("Tomps (federation)", [CALLBACK], first_party=True)
        client_id = client.client_id
    server.app = upstream_app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    forget()
    yield {"url": url, "client_id": client_id, "client_secret": secret, "person": person}
    server.shutdown()
    thread.join(5)
    forget()
    with upstream_app.app_context():
        db.engine.dispose()


@pytest.fixture
def globex(app, clean, second_idp):
    from idp.orgs.organizations import create_organization

    with app.app_context():
        factories.make_plans()
        org = create_organization("Globex")
        factories.set_status(org.id, "duo", "active")
        connect(org.id, second_idp["url"], client_id=second_idp["client_id"],
                secret=second_idp["client_secret"], domains=["example.com"], enforce=True)
        return org.id


def _sign_in_upstream(location: str, person: dict) -> str:
    """At the second IdP: its login page (email, then password); return our callback path."""
    with requests.Session() as browser:
        resp = browser.get(location, allow_redirects=False, timeout=10)
        login_url = urljoin(location, resp.headers["Location"])
        page = browser.get(login_url, timeout=10)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        interaction = query(login_url)["interaction"]
        resp = browser.post(urljoin(location, "/login"), allow_redirects=False, timeout=10, data={
            "email": person["email"], "password": person["password"], "csrf_token": token,
            "interaction": interaction})
        assert resp.status_code == 302, resp.text[:500]
        resp = browser.get(urljoin(location, resp.headers["Location"]), allow_redirects=False,
                           timeout=10)
        back = urlsplit(resp.headers["Location"])
        assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK, back
        return f"{back.path}?{back.query}"


def test_a_person_signs_in_through_another_tomps_identity_and_gets_the_plan(
        app, web, globex, second_idp, make_client):
    person = second_idp["person"]
    client = make_client(first_party=True)
    flow = Flow(web, client, None)
    interaction = query(flow.authorize(scope="openid email plan").headers["Location"])["interaction"]
    resp = start(web, person["email"], interaction)
    assert resp.headers["Location"].startswith(second_idp["url"] + "/oauth2/authorize?")
    resp = web.get(_sign_in_upstream(resp.headers["Location"], person))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    resp = web.get(resp.headers["Location"])  # the pending authorization resumes
    code = query(resp.headers["Location"])["code"]
    tokens = flow.exchange(code).get_json()
    claims = decode(web, tokens["id_token"])
    assert claims["amr"][0] == "fed" and "pwd" in claims["amr"]
    assert claims["email"] == person["email"]
    from idp.accounts.users import find_by_email

    with app.app_context():
        here = find_by_email(person["email"])
    assert here is not None and here.password_hash is None
    # Our own subject and our organisation, with the plan's products (duo).
    assert claims["sub"] == str(here.id)
    assert (claims["org_name"], claims["org_role"], claims["plan"]) == ("Globex", "member", "duo")
    assert sorted(claims["products"]) == ["building", "project"]


def test_enforced_domain_refuses_a_password_here(app, web, globex, second_idp):
    from tests.helpers.web import login

    resp = login(web, second_idp["person"]["email"], second_idp["person"]["password"])
    assert resp.status_code == 403
