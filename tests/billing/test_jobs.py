"""run_due: lapsed subscriptions expire (members lose the products), stale orders expire."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from idp import clock, events
from idp.billing.jobs import run_due
from idp.billing.orders import create_order
from idp.extensions import db
from idp.storage.models import Order, Subscription

from .factories import make_member, make_org, make_plan, subscribe


@pytest.fixture
def lost(app):
    calls = []
    receiver = lambda sender, **kw: calls.append(kw)
    events.entitlements_changed.connect(receiver)
    yield calls
    events.entitlements_changed.disconnect(receiver)


def test_lapsed_subscription_expires_and_members_lose_products(ctx, lost, app):
    org, plan = make_org("acme"), make_plan(products=("building", "asset"))
    owner, member = make_member(org, "owner"), make_member(org)
    subscribe(org, plan)
    assert run_due()["subscriptions_expired"] == 0
    clock.advance(30 * 86400 + 1)
    changed = []
    receiver = lambda sender, **kw: changed.append(kw)
    events.subscription_changed.connect(receiver)
    try:
        assert run_due()["subscriptions_expired"] == 1
    finally:
        events.subscription_changed.disconnect(receiver)
    assert changed == [{"organization_id": org.id, "reason": "expired"}]
    db.session.expire_all()
    assert db.session.scalar(select(Subscription)).status == "expired"
    assert lost[0]["reason"] == "expired" and sorted(lost[0]["user_ids"]) == sorted(
        [owner["id"], member["id"]])
    assert lost[0]["lost_products"][member["id"]] == {"building", "asset"}
    assert run_due()["subscriptions_expired"] == 0 and len(lost) == 1


def test_stale_orders_expire(ctx, app):
    org, plan = make_org("acme"), make_plan()
    order, _ = create_order(org, plan)
    lifetime = app.config["IDP"].order_lifetime
    assert run_due(clock.now() + timedelta(seconds=lifetime - 10))["orders_expired"] == 0
    assert run_due(clock.now() + timedelta(seconds=lifetime + 1))["orders_expired"] == 1
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "expired"
    again, created = create_order(org, plan)
    assert created and again.id != order.id


def test_cli_run_due_json(run_json, ctx):
    data = run_json("billing", "run-due")
    assert data["subscriptions_expired"] == 0 and "reminders_sent" in data
