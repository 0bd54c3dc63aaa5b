"""Issue 13 in a real browser (Chromium from Debian, Playwright): an owner of a new company
picks Starter, reviews the order, pays through the Midtrans Snap stand-in, lands on the
order page (Snap's finish page) that says the payment was received, and the dashboard
open in another tab re-renders its whole subscription panel live.

Screenshots of every page land in $IDP_ARTIFACTS_DIR/journey (default artifacts/journey).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.demo.conftest import CHROMIUM_ARGS, chromium_path
from tests.factories import make_member, make_org, make_plan
from tests.helpers.asgi_server import serve

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shots() -> Path:
    base = Path(os.environ.get("IDP_ARTIFACTS_DIR") or ROOT / "artifacts")
    path = base / "journey"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def company(app, clean):
    with app.app_context():
        org = make_org("PT Contoh", legal_name="PT Contoh Indonesia", country="ID",
                       billing_email="finance@contoh.example")
        make_plan("starter", price="1500000", products=("building",), tier=1)
        make_plan("suite", price="4500000", products=("building", "project", "asset"), tier=3)
        return {"org": org.id, "owner": make_member(org, "owner")}


def test_owner_picks_starter_pays_through_snap_and_the_dashboard_updates_live(
        app, company, midtrans, configure, shots):
    from playwright.sync_api import expect, sync_playwright

    configure(live_heartbeat=1)
    with serve(app) as base, sync_playwright() as playwright:
        midtrans.notify_url = f"{base}/billing/notifications/midtrans"
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("#email", company["owner"]["email"])
            page.fill("#password", company["owner"]["password"])
            page.click("button[type=submit]")
            page.wait_for_load_state()

            dashboard = context.new_page()
            dashboard.goto(f"{base}/account?org={company['org']}")
            expect(dashboard.locator("#subscription")).to_contain_text("No subscription yet")
            dashboard.screenshot(path=str(shots / "01-dashboard-before.png"), full_page=True)

            page.goto(f"{base}/plans?org={company['org']}")
            page.screenshot(path=str(shots / "02-plans.png"), full_page=True)
            page.click("a[href*='/plans/starter/review']")
            expect(page.locator("[data-quote]")).to_contain_text("IDR 1,500,000.00")
            page.screenshot(path=str(shots / "03-review.png"), full_page=True)
            page.click("#order")
            expect(page.locator("h1")).to_have_text("Order Summary")
            page.screenshot(path=str(shots / "04-order-summary.png"), full_page=True)
            page.click("text=Pay this order")
            expect(page.locator("h1")).to_have_text("Awaiting Payment")
            page.screenshot(path=str(shots / "05-pay.png"), full_page=True)
            page.click("#pay")
            expect(page.locator("h1")).to_contain_text("Midtrans Snap")
            page.screenshot(path=str(shots / "06-snap.png"), full_page=True)
            page.click("#pay")
            # Back on the order page (Snap's finish page): the stored state, not the query.
            expect(page.locator("#order")).to_contain_text("Payment received: Starter is active",
                                                           timeout=10000)
            page.screenshot(path=str(shots / "07-finish.png"), full_page=True)

            # The dashboard, never reloaded, shows the whole panel anew: plan, buttons, banner.
            panel = dashboard.locator("#subscription")
            expect(panel.locator("[data-plan]")).to_have_text("Starter", timeout=15000)
            expect(panel).to_contain_text("Cancel at the period end")
            expect(dashboard.locator("#history")).to_contain_text("paid")
            dashboard.screenshot(path=str(shots / "08-dashboard-live.png"), full_page=True)

            # Upgrade to Suite: the review shows the prorated difference; paid through Snap.
            page.goto(f"{base}/plans?org={company['org']}")
            page.click("a[href*='/plans/suite/review']")
            expect(page.locator("[data-quote]")).to_have_attribute("data-quote", "upgrade")
            page.screenshot(path=str(shots / "09-review-upgrade.png"), full_page=True)
            page.click("#order")
            page.click("text=Pay this order")
            page.click("#pay")
            page.click("#pay")
            expect(page.locator("#order")).to_contain_text("Payment received: Suite is active",
                                                           timeout=10000)
            expect(panel.locator("[data-plan]")).to_have_text("Suite", timeout=15000)
            dashboard.screenshot(path=str(shots / "10-dashboard-upgraded.png"), full_page=True)

            # Schedule a downgrade back to Starter: no charge; the dashboard shows the date.
            page.goto(f"{base}/plans/starter/review?org={company['org']}")
            expect(page.locator("[data-quote]")).to_have_attribute("data-quote", "downgrade")
            page.screenshot(path=str(shots / "11-review-downgrade.png"), full_page=True)
            page.click("#order")
            expect(page.locator("[data-scheduled]")).to_contain_text("Starter")
            page.screenshot(path=str(shots / "12-dashboard-downgrade.png"), full_page=True)
            expect(panel.locator("[data-scheduled]")).to_contain_text(
                "the plan changes to Starter on", timeout=15000)
        finally:
            browser.close()
