"""Issue 13 items 4 and 5 in a real browser (Debian's Chromium through Playwright), over the
production front (uvicorn + the ASGI front) of this run's app: the members page, an
invitation accepted by a new person, the organisation switcher, the organisation picker
and the refusal page (owner: "Upgrade"; member: who the owners are).

Screenshots land in $IDP_ARTIFACTS_DIR/people (default artifacts/people).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.factories import PASSWORD, make_client, make_member, make_org, make_plan, subscribe
from tests.helpers.asgi_server import serve

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.demo.conftest import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def artifacts() -> Path:
    path = Path(os.environ.get("IDP_ARTIFACTS_DIR") or ROOT / "artifacts") / "people"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def world(app, clean, configure):
    from tests.web.test_members import _Sink  # the aiosmtpd sink of the people tests
    from aiosmtpd.controller import Controller
    from tests.helpers.ports import reserve_port

    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=reserve_port())
    controller.start()
    configure(smtp_host="127.0.0.1", smtp_port=controller.port)
    with app.app_context():
        acme, globex = make_org("Acme Contractors"), make_org("Globex Estates")
        duo = make_plan(code="duo", products=("building", "project"), tier=2,
                        limits={"seats": 5})
        subscribe(acme, duo)
        subscribe(globex, make_plan(code="suite", limits={"seats": 10}))
        owner = make_member(acme, "owner", email="ana@acme.example")
        member = make_member(acme, "member", email="budi@acme.example")
        make_member(acme, "admin", email="citra@acme.example")
        from idp.extensions import db
        from idp.storage.models import Membership

        db.session.add(Membership(organization_id=globex.id, user_id=owner["id"], role="admin"))
        db.session.commit()
        asset = make_client(redirect_uri="http://127.0.0.1:9/cb", product="asset",
                            name="Tomps Asset", first_party=True)
        ids = {"acme": acme.id, "globex": globex.id}
    yield {"owner": owner, "member": member, "sink": sink, "asset": asset, **ids}
    controller.stop()


def _sign_in(page, person):
    page.fill("input[name=email]", person["email"])
    page.fill("input[name=password]", person["password"])
    page.click("button[type=submit]")


def _authorize(base, client) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return base + "/oauth2/authorize?" + urlencode({
        "client_id": client["client_id"], "redirect_uri": client["redirect_uri"],
        "response_type": "code", "scope": "openid", "state": "s", "nonce": "n",
        "code_challenge": challenge.decode(), "code_challenge_method": "S256"})


def test_people_pages_in_a_browser(app, world, browser, artifacts):
    with serve(app) as base:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        # The page asked for survives the login.
        page.goto(base + "/account/members")
        assert "/login?next=" in page.url
        _sign_in(page, world["owner"])
        page.wait_for_url(re.compile(re.escape(base) + r"/account/members(\?.*)?$"))
        # Invite a colleague: the members page lists the pending invitation.
        page.fill("#invite-email", "dewi@acme.example")
        page.click("text=Send invitation")
        assert "Invitation sent to dewi@acme.example" in page.inner_text("main")
        assert "dewi@acme.example" in page.inner_text("table.invitations")
        page.screenshot(path=artifacts / "01-members-page.png", full_page=True)
        # The switcher: Ana is in two organisations.
        assert page.locator("form.switcher select option").count() == 2
        page.select_option("#switch-org", str(world["globex"]))
        page.click("form.switcher button")
        page.wait_for_url(re.compile(re.escape(base) + r"/account/members\?org=\d+$"))
        assert "Globex Estates" in page.inner_text("h1")
        page.screenshot(path=artifacts / "02-switcher-globex.png", full_page=True)

        # The invitee opens the link in another browser and signs up.
        (link,) = world["sink"].links()
        guest = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
        guest.goto(base + "/invitations/" + link.rsplit("/", 1)[1])
        assert "Join Acme Contractors" in guest.inner_text("h1")
        guest.screenshot(path=artifacts / "03-invitation-accept.png", full_page=True)
        guest.fill("#given_name", "Dewi")
        guest.fill("#family_name", "Lestari")
        guest.fill("#password", PASSWORD)
        guest.fill("#confirm", PASSWORD)
        guest.click("text=Create account and join")
        guest.wait_for_url(re.compile(re.escape(base) + r"/account\?org=\d+$"))
        assert "Welcome to Acme Contractors" in guest.inner_text("main")
        guest.screenshot(path=artifacts / "04-joined-member-view.png", full_page=True)
        # The same link again: a clear page.
        guest.goto(base + "/invitations/" + link.rsplit("/", 1)[1])
        assert "already been used" in guest.inner_text("main")
        guest.screenshot(path=artifacts / "05-invitation-used.png", full_page=True)

        # The organisation picker (Ana, two organisations): radios inline, left of the names.
        page.goto(_authorize(base, world["asset"]))
        page.wait_for_url(re.compile(re.escape(base) + r"/select-organization"))
        radio = page.locator("input[type=radio]").first.bounding_box()
        label = page.locator("fieldset label").first.bounding_box()
        assert radio["width"] < 40 and abs(radio["y"] - label["y"]) < label["height"]
        page.screenshot(path=artifacts / "06-organisation-picker.png", full_page=True)
        page.check(f"input[type=radio][value='{world['acme']}']")
        page.click("button[type=submit]")
        # The refusal page: Asset is not in Duo; Ana owns Acme: "Upgrade".
        page.wait_for_selector("h1")
        assert "Tomps Asset is not in your plan" in page.inner_text("h1")
        assert page.locator("a[data-upgrade]").get_attribute("href") == "/plans"
        page.screenshot(path=artifacts / "07-refusal-owner-upgrade.png", full_page=True)

        # Budi, a plain member: the refusal page names the owners.
        budi = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
        budi.goto(_authorize(base, world["asset"]))
        _sign_in(budi, world["member"])
        budi.wait_for_selector("h1")
        assert "Tomps Asset is not in your plan" in budi.inner_text("h1")
        assert "ana@acme.example" in budi.inner_text("ul.owners")
        assert budi.locator("a[data-upgrade]").count() == 0
        budi.screenshot(path=artifacts / "08-refusal-member-owners.png", full_page=True)
        # Every page leads back to the account.
        budi.click("header a.home")
        budi.wait_for_url(re.compile(re.escape(base) + r"/account$"))
        assert "Owners and admins manage" in budi.inner_text("main")
        budi.screenshot(path=artifacts / "09-member-read-only-account.png", full_page=True)
        context.close()
