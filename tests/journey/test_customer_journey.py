"""Issue 13's "Done when" as one journey in a real browser (Debian's Chromium, Playwright).

The IdP is served the production way (uvicorn + the ASGI front) with its issuer on
localhost; Building and Project are the demo's product apps (the relying-party kit),
registered as first-party clients with back-channel logout; payments go through the
Midtrans Snap stand-in, invitations through a local SMTP server.

1. the owner of a new company picks Starter (Building only), pays through Snap, and the
   dashboard open in another tab updates live (Starter, active);
2. the owner invites a colleague by email, who opens the link in another browser, signs
   up, and signs in to Building;
3. the owner upgrades to Suite, reviews the prorated amount and pays it through Snap; the
   colleague then opens Project and gets in without signing in again;
4. the owner schedules a downgrade back to Starter; the dashboard shows it with the date.

Screenshots of every page: $IDP_ARTIFACTS_DIR/journey (default artifacts/journey), numbered.
"""

from __future__ import annotations

import os
import re
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import PASSWORD, make_member, make_org, make_plan
from tests.helpers.asgi_server import serve
from tests.helpers.ports import reserve_port
from tests.helpers.settings import swap_settings

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = ("building", "project")
COLLEAGUE = "dewi@contoh.example"


class Shots:
    """Numbered screenshots: 01-…, 02-…, in the order the pages were seen."""

    def __init__(self, path: Path):
        self.path, self.count = path, 0

    def __call__(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.path / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture
def shots() -> Shots:
    path = Path(os.environ.get("IDP_ARTIFACTS_DIR") or ROOT / "artifacts") / "journey"
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("[0-9][0-9]-*.png"):
        old.unlink()
    return Shots(path)


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    from tests.web.test_members import _Sink  # the people tests' SMTP sink

    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=reserve_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def stack(app, clean, midtrans, smtp, monkeypatch):
    """{issuer, building, project, org, owner}: the IdP and two products serving."""
    from idp.clients.registry import create_client
    from idp.demo.product_app import demo_app
    from idp.orgs.products import list_products
    from idp.rp.flask import registration_uris
    from tests.conftest import make_app
    from tests.oidc.conftest import dispose

    with app.app_context():
        org = make_org("PT Contoh", legal_name="PT Contoh Indonesia", country="ID",
                       billing_email="finance@contoh.example")
        make_plan("starter", price="1500000", products=("building",), tier=1,
                  limits={"seats": 5})
        make_plan("suite", price="4500000", products=("building", "project", "asset"), tier=3,
                  limits={"seats": 25})
        owner = make_member(org, "owner", email="ana@contoh.example")
        org_id = org.id
        audiences = {p.code: p.audience for p in list_products()}
        servers = {p: make_server("127.0.0.1", 0, None, threaded=True) for p in PRODUCTS}
        urls = {p: f"http://{p}.localhost:{s.server_port}" for p, s in servers.items()}
        clients = {}
        for product in PRODUCTS:
            uris = registration_uris(urls[product])
            client, secret = create_client(
                f"Tomps {product.title()}", [uris["redirect_uri"]], first_party=True,
                product=product, post_logout_redirect_uris=[uris["post_logout_redirect_uri"]],
                backchannel_logout_uri=uris["backchannel_logout_uri"])
            clients[product] = (client.client_id, secret)

    port = reserve_port()
    issuer = f"http://localhost:{port}"
    idp_app = make_app(issuer=issuer)
    sink, smtp_port = smtp
    swap_settings(monkeypatch, idp_app, live_heartbeat=1, smtp_host="127.0.0.1",
                  smtp_port=smtp_port, midtrans_server_key=midtrans.server_key,
                  midtrans_api_url=midtrans.url,
                  midtrans_snap_url=f"{midtrans.url}/snap/v1/transactions")
    for product, server in servers.items():
        client_id, secret = clients[product]
        server.app = demo_app({"RP_ISSUER": issuer, "RP_CLIENT_ID": client_id,
                               "RP_CLIENT_SECRET": secret, "RP_BASE_URL": urls[product],
                               "RP_PRODUCT": product, "RP_AUDIENCE": audiences[product]}, {})
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers.values()]
    for thread in threads:
        thread.start()
    try:
        with serve(idp_app, port=port):
            midtrans.notify_url = f"{issuer}/billing/notifications/midtrans"
            yield {"issuer": issuer, **urls, "org": org_id, "owner": owner, "mail": sink}
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(5)
        dispose(idp_app)


def _rupiah(text: str) -> Decimal:
    """'IDR 2,999,999.00' (the English pages) → Decimal('2999999.00')."""
    return Decimal(re.search(r"[\d,]+(?:\.\d+)?", text).group(0).replace(",", ""))


def _pay_through_snap(page, shots, name: str, amount: Decimal) -> None:
    """From the order summary: Pay this order → the pay page → Snap (the amount) → pay."""
    from playwright.sync_api import expect

    page.click("text=Pay this order")
    expect(page.locator("h1")).to_have_text("Awaiting Payment")
    shots(page, f"{name}-pay")
    page.click("#pay")
    expect(page.locator("h1")).to_contain_text("Midtrans Snap")
    expect(page.locator("#amount")).to_have_text(f"Rp {int(amount):,}")
    shots(page, f"{name}-snap")
    page.click("#pay")


def test_the_customer_journey(stack, shots):
    from playwright.sync_api import expect, sync_playwright

    from tests.demo.conftest import CHROMIUM_ARGS, chromium_path

    issuer, org = stack["issuer"], stack["org"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            owner_context = browser.new_context(viewport={"width": 1100, "height": 900},
                                                locale="en-US")
            page = owner_context.new_page()
            # --- 1. Ana, owner of a new company, signs in (email first) and picks Starter.
            page.goto(f"{issuer}/account")
            page.fill("#email", stack["owner"]["email"])
            shots(page, "owner-login-email")
            page.click("#email-step button[type=submit]")
            page.fill("#password", stack["owner"]["password"])
            shots(page, "owner-login-password")
            page.click("#password-step button[type=submit]")
            page.wait_for_url(re.compile(re.escape(issuer) + r"/account(\?.*)?$"))

            dashboard = owner_context.new_page()
            dashboard.goto(f"{issuer}/account?org={org}")
            panel = dashboard.locator("#subscription")
            expect(panel).to_contain_text("No subscription yet")
            shots(dashboard, "dashboard-no-subscription")

            page.goto(f"{issuer}/plans?org={org}")
            expect(page.locator("main")).to_contain_text("Starter")
            shots(page, "plans")
            page.click("a[href*='/plans/starter/review']")
            expect(page.locator("[data-quote]")).to_have_attribute("data-quote", "new")
            expect(page.locator("[data-amount]")).to_have_text("IDR 1,500,000.00")
            shots(page, "review-starter")
            page.click("#order")
            expect(page.locator("h1")).to_have_text("Order Summary")
            shots(page, "order-starter")
            _pay_through_snap(page, shots, "starter", Decimal(1500000))
            expect(page.locator("#order")).to_contain_text("Payment received: Starter is active",
                                                           timeout=10000)
            shots(page, "finish-starter")

            # The dashboard, never reloaded, now shows Starter, active, with its buttons.
            expect(panel.locator("[data-plan]")).to_have_text("Starter", timeout=15000)
            expect(panel.locator("[data-subscription-status]")).to_have_text("active")
            expect(panel).to_contain_text("Tomps Building")
            expect(panel.locator("[data-seats]")).to_have_text("1 of 5")
            expect(panel).to_contain_text("Cancel at the period end")
            period_end = panel.locator("[data-period-end]").inner_text().strip()
            assert period_end and period_end != "—"
            shots(dashboard, "dashboard-starter-live")

            # --- 2. Ana invites Dewi by email; Dewi signs up from the link, then uses Building.
            page.goto(f"{issuer}/account/members?org={org}")
            page.fill("#invite-email", COLLEAGUE)
            shots(page, "members-invite")
            page.click("text=Send invitation")
            expect(page.locator("main")).to_contain_text(f"Invitation sent to {COLLEAGUE}")
            expect(page.locator("table.invitations")).to_contain_text(COLLEAGUE)
            shots(page, "members-invitation-pending")
            (link,) = stack["mail"].links()
            assert link.startswith(f"{issuer}/invitations/")

            guest_context = browser.new_context(viewport={"width": 1100, "height": 900},
                                                locale="en-US")
            guest = guest_context.new_page()
            guest.goto(link)
            expect(guest.locator("h1")).to_contain_text("Join PT Contoh")
            shots(guest, "colleague-invitation")
            guest.fill("#given_name", "Dewi")
            guest.fill("#family_name", "Lestari")
            guest.fill("#password", PASSWORD)
            guest.fill("#confirm", PASSWORD)
            guest.click("text=Create account and join")
            guest.wait_for_url(re.compile(re.escape(issuer) + r"/account\?org=\d+$"))
            expect(guest.locator("main")).to_contain_text("Welcome to PT Contoh")
            shots(guest, "colleague-joined")

            guest.goto(stack["building"] + "/")
            guest.wait_for_url(stack["building"] + "/")
            expect(guest.locator("#person-email")).to_have_text(COLLEAGUE)
            expect(guest.locator("#org-name")).to_contain_text("PT Contoh")
            expect(guest.locator("#plan-name")).to_contain_text("Starter")
            assert guest.locator("#plan-products .tag").all_text_contents() == ["Tomps Building"]
            shots(guest, "colleague-building")

            # The dashboard now counts two of five seats.
            page.goto(f"{issuer}/account?org={org}")
            expect(page.locator("#subscription [data-seats]")).to_have_text("2 of 5")
            shots(page, "dashboard-two-seats")

            # --- 3. Ana upgrades to Suite: the prorated difference, paid through Snap.
            page.goto(f"{issuer}/plans?org={org}")
            shots(page, "plans-on-starter")
            page.click("a[href*='/plans/suite/review']")
            expect(page.locator("[data-quote]")).to_have_attribute("data-quote", "upgrade")
            expect(page.locator("[data-quote]")).to_contain_text("Starter")  # the current plan
            expect(page.locator("main")).to_contain_text(
                "You pay the difference for the 30 days left in your current period; "
                "the period end does not change.")
            amount = _rupiah(page.locator("[data-amount]").inner_text())
            # (4,500,000 - 1,500,000) for the rest of 30 days, a few seconds of which passed.
            assert Decimal(2_999_000) < amount <= Decimal(3_000_000), amount
            assert amount == amount.to_integral_value()  # whole rupiah
            shots(page, "review-upgrade-suite")
            page.click("#order")
            expect(page.locator("h1")).to_have_text("Order Summary")
            expect(page.locator("#order")).to_contain_text("upgrade")
            # The order costs what was reviewed (not re-prorated to the second it was placed).
            expect(page.locator("#order tr", has_text="Amount").locator("td")).to_have_text(
                f"IDR {amount:,.2f}")
            shots(page, "order-upgrade")
            _pay_through_snap(page, shots, "upgrade", amount)
            expect(page.locator("#order")).to_contain_text("Payment received: Suite is active",
                                                           timeout=10000)
            shots(page, "finish-upgrade")
            dashboard.bring_to_front()
            expect(panel.locator("[data-plan]")).to_have_text("Suite", timeout=15000)
            expect(panel.locator("[data-period-end]")).to_have_text(period_end)  # unchanged
            expect(panel).to_contain_text("Tomps Project")
            shots(dashboard, "dashboard-suite-live")

            # Dewi opens Project: in at once, no sign-in page, the plan now has Project.
            guest.bring_to_front()
            seen: list[str] = []
            guest.on("framenavigated", lambda frame: seen.append(frame.url))
            guest.goto(stack["project"] + "/")
            guest.wait_for_url(stack["project"] + "/")
            assert not [url for url in seen if "/login" in url and url.startswith(issuer)], seen
            expect(guest.locator("h1")).to_contain_text("Welcome to Tomps Project, Dewi")
            expect(guest.locator("#plan-name")).to_contain_text("Suite")
            assert "Tomps Project" in guest.locator("#plan-products .tag").all_text_contents()
            shots(guest, "colleague-project-sso")

            # --- 4. Ana schedules a downgrade back to Starter, for the period end.
            page.goto(f"{issuer}/plans?org={org}")
            page.click("a[href*='/plans/starter/review']")
            expect(page.locator("[data-quote]")).to_have_attribute("data-quote", "downgrade")
            expect(page.locator("[data-amount]")).to_have_text("IDR 0.00")
            review = page.locator("main").inner_text()
            assert "Nothing is charged now. Your plan changes to Starter on" in review
            assert "You will lose: Tomps Project, Tomps Asset." in review
            on = re.search(r"Your plan changes to Starter on (.+?), at the end", review).group(1)
            assert on in period_end, (on, period_end)  # the period end, as a date
            shots(page, "review-downgrade")
            page.click("#order")
            scheduled = page.locator("#subscription [data-scheduled]")
            expect(scheduled).to_contain_text(f"Scheduled: the plan changes to Starter on {on}.")
            expect(page.locator("#subscription [data-plan]")).to_have_text("Suite")
            shots(page, "dashboard-downgrade-scheduled")
            expect(panel.locator("[data-scheduled]")).to_contain_text(
                f"Scheduled: the plan changes to Starter on {on}.", timeout=15000)
            shots(dashboard, "dashboard-downgrade-live")
        finally:
            browser.close()
