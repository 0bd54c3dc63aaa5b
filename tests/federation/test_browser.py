"""Issue 17's federation "done when", in Chromium: against two local instances of Tomps
Identity, a person of a federated company signs in at Building through their company's
provider — their password typed there, none here — and lands in their organisation with
the plan's products. Once in English, once in Indonesian (Accept-Language ``id``).

Three servers on free ports, each under its own loopback host name, so the two IdPs'
cookies stay apart: ``localhost`` (this IdP, on this run's Postgres and Redis),
``127.0.0.1`` (the company's provider: a second instance on its own SQLite) and
``building.localhost`` (the Building app, the kit's product app; RFC 6761: Chromium and
the kit's HTTP resolve it to loopback). Screenshots go to
$IDP_ARTIFACTS_DIR/federation (default artifacts/federation).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests import factories
from tests.conftest import make_app, make_embedded_app
from tests.demo.conftest import CHROMIUM_ARGS, ROOT, chromium_path
from tests.federation.conftest import connect

pytestmark = pytest.mark.slow

DOMAIN = "globex.example"
PEOPLE = {"en": ("rina@globex.example", "Rina"), "id": ("sari@globex.example", "Sari")}


def _server():
    server = make_server("127.0.0.1", 0, None, threaded=True)
    return server, server.server_port


@pytest.fixture
def artifacts() -> Path:
    path = Path(os.environ.get("IDP_ARTIFACTS_DIR") or ROOT / "artifacts") / "federation"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def stack(app, clean, tmp_path):
    """{ours, upstream, building}: the three base URLs, everything seeded and serving."""
    from idp.accounts.users import create_user
    from idp.clients.registry import create_client
    from idp.extensions import db
    from idp.federation.upstream import forget
    from idp.keystore.keys import new_key
    from idp.orgs.organizations import create_organization
    from idp.orgs.products import list_products
    from idp.rp.flask import registration_uris
    from idp.storage import migrate

    servers = {name: _server() for name in ("ours", "upstream", "building")}
    # Authlib accepts http only for "localhost" and loopback addresses (RFC 8252 §7.3).
    hosts = {"ours": "localhost", "upstream": "127.0.0.1", "building": "building.localhost"}
    urls = {name: f"http://{hosts[name]}:{port}" for name, (_, port) in servers.items()}

    upstream_app = make_embedded_app(tmp_path, issuer=urls["upstream"])
    with upstream_app.app_context():
        migrate.upgrade()
        new_key("RS256", state="active")
        db.session.commit()
        for email, name in PEOPLE.values():  # their company accounts, with passwords there
            create_user(email, factories.PASSWORD, name, "Wijaya", email_verified=True)
        client, secret = create_client("Tomps", [urls["ours"] + "/login/federated/callback"],
                                       first_party=True)
        upstream_client = (client.client_id, secret)

    with app.app_context():
        factories.make_plans()
        org = create_organization("Globex")
        factories.set_status(org.id, "duo", "active")  # Building + Project
        connect(org.id, urls["upstream"], client_id=upstream_client[0], secret=upstream_client[1],
                domains=[DOMAIN], enforce=True)
        uris = registration_uris(urls["building"])
        building, building_secret = create_client(
            "Tomps Building", [uris["redirect_uri"]], first_party=True, product="building",
            post_logout_redirect_uris=[uris["post_logout_redirect_uri"]])
        audience = {p.code: p.audience for p in list_products()}["building"]

    from idp.demo.product_app import demo_app

    servers["ours"][0].app = make_app(issuer=urls["ours"])
    servers["upstream"][0].app = upstream_app
    servers["building"][0].app = demo_app(
        {"RP_ISSUER": urls["ours"], "RP_CLIENT_ID": building.client_id,
         "RP_CLIENT_SECRET": building_secret, "RP_BASE_URL": urls["building"],
         "RP_PRODUCT": "building", "RP_AUDIENCE": audience}, {})
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s, _ in servers.values()]
    for thread in threads:
        thread.start()
    forget()
    yield urls
    for server, _ in servers.values():
        server.shutdown()
    for thread in threads:
        thread.join(5)
    forget()
    from tests.oidc.conftest import dispose

    dispose(servers["ours"][0].app)
    with upstream_app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("lang", ["en", "id"])
def test_a_person_of_a_federated_company_signs_in_at_building_through_their_provider(
        app, stack, chromium, artifacts, lang):
    email, name = PEOPLE[lang]
    context = chromium.new_context(locale="id-ID" if lang == "id" else "en-US",
                                   viewport={"width": 1000, "height": 760})
    passwords_typed_at: list[str] = []
    try:
        page = context.new_page()
        page.goto(stack["building"] + "/")
        # Our login page: the email only.
        page.wait_for_url(stack["ours"] + "/login*")
        assert page.locator("input[type=password]").count() == 0
        page.screenshot(path=artifacts / f"{lang}-01-email-first.png", full_page=True)
        page.fill("input[name=email]", email)
        page.click("button[type=submit]")
        # The company's provider (the second instance): its login, the email hinted.
        page.wait_for_url(stack["upstream"] + "/login*")
        assert page.input_value("input[name=email]") == email
        page.click("button[type=submit]")
        page.wait_for_selector("input[name=password]")
        page.screenshot(path=artifacts / f"{lang}-02-company-provider.png", full_page=True)
        page.fill("input[name=password]", factories.PASSWORD)
        passwords_typed_at.append(page.url.split("/login")[0])
        page.click("button[type=submit]")
        # Back at Building, signed in, in Globex with the plan's products.
        page.wait_for_url(stack["building"] + "/")
        assert page.text_content("#person-email").strip() == email
        assert "Globex" in page.text_content("#org-name")
        products = page.locator("#plan-products .tag").all_text_contents()
        assert sorted(products) == ["Tomps Building", "Tomps Project"]
        page.screenshot(path=artifacts / f"{lang}-03-building-signed-in.png", full_page=True)
        assert passwords_typed_at == [stack["upstream"]]  # no password here, ever

        # Trying a password here for that domain is refused, saying why.
        other = context.new_page()
        other.goto(stack["ours"] + "/login")
        other.fill("input[name=email]", email)
        other.evaluate("""() => { const f = document.querySelector('form');
            const p = document.createElement('input'); p.type = 'hidden'; p.name = 'password';
            p.value = 'guess'; f.appendChild(p); }""")
        other.click("button[type=submit]")
        other.wait_for_selector("p.error")
        expected = "penyedia identitas" if lang == "id" else "own identity provider"
        assert expected in other.text_content("p.error")
        other.screenshot(path=artifacts / f"{lang}-04-password-refused.png", full_page=True)
    finally:
        context.close()
    from idp.accounts.users import find_by_email

    with app.app_context():
        person = find_by_email(email)
        assert person is not None and person.password_hash is None
