"""Activation and renewal: after confirmation only, from the period end, never overlapping."""

import json
import queue
from datetime import timedelta

import pytest
from sqlalchemy import select

from idp import clock, events
from idp.billing import lifecycle
from idp.billing.orders import OrderError, create_order
from idp.extensions import db
from idp.storage.models import Subscription, SubscriptionPeriod
from idp.storage.store import get_store
from tests.factories import make_member, make_org, make_plan, midtrans_body


@pytest.fixture
def setup(ctx):
    org, plan = make_org("acme"), make_plan()
    return org, plan


def _pay(notify, org, plan, txid="tx"):
    order, _ = create_order(org, plan)
    assert notify(midtrans_body(order.gateway_order_id, txid=txid)).status_code == 200
    db.session.expire_all()
    return order


def _sub(org):
    return db.session.scalar(select(Subscription).where(Subscription.organization_id == org.id))


def test_paid_order_starts_a_30_day_period(setup, notify):
    org, plan = setup
    before = clock.now()
    order = _pay(notify, org, plan)
    sub = _sub(org)
    assert sub.status == "active" and sub.plan_id == plan.id
    assert before <= sub.current_period_start <= clock.now()
    assert sub.current_period_end - sub.current_period_start == timedelta(days=30)
    period = db.session.scalar(select(SubscriptionPeriod))
    assert period.order_id == order.id and period.end == sub.current_period_end


def test_a_pending_subscription_row_is_reused(setup, notify):
    org, plan = setup
    db.session.add(Subscription(organization_id=org.id, plan_id=plan.id, status="pending"))
    db.session.commit()
    _pay(notify, org, plan)
    subs = db.session.scalars(select(Subscription)).all()
    assert len(subs) == 1 and subs[0].status == "active"


def test_awaiting_order_does_not_activate(setup):
    org, plan = setup
    create_order(org, plan)
    assert _sub(org) is None


def test_renewal_extends_from_the_period_end(setup, notify):
    org, plan = setup
    _pay(notify, org, plan, "tx1")
    first_end = _sub(org).current_period_end
    clock.advance(20 * 86400)
    renewal = _pay(notify, org, plan, "tx2")
    assert renewal.kind == "renewal"
    sub = _sub(org)
    assert sub.current_period_end == first_end + timedelta(days=30)
    periods = db.session.scalars(select(SubscriptionPeriod).order_by(SubscriptionPeriod.start)).all()
    assert periods[1].start == periods[0].end  # contiguous, never overlapping


def test_renewal_after_lapse_starts_now(setup, notify):
    org, plan = setup
    _pay(notify, org, plan, "tx1")
    clock.advance(40 * 86400)
    _pay(notify, org, plan, "tx2")
    sub = _sub(org)
    assert sub.current_period_start >= clock.now() - timedelta(seconds=5)


def test_another_plan_is_an_upgrade_or_a_downgrade_not_a_refusal(setup, notify):
    """Regression (issue 13): "a renewal must be for the same plan" refused upgrades."""
    org, plan = setup
    _pay(notify, org, plan)
    same, _ = create_order(org, plan)
    assert same.kind == "renewal" and same.amount == plan.price
    cheaper = make_plan("basic", price="50000")
    order, _ = create_order(org, cheaper)
    assert order.kind == "downgrade" and order.status == "scheduled" and order.amount == 0
    assert db.session.get(type(same), same.id).status == "superseded"


def test_refund_cancels_the_current_period_and_ends_access(setup, notify, app):
    org, plan = setup
    member = make_member(org)
    order = _pay(notify, org, plan, "tx1")
    lost = []
    receiver = lambda sender, **kw: lost.append(kw)
    events.entitlements_changed.connect(receiver)
    try:
        assert notify(midtrans_body(order.gateway_order_id, status="refund", txid="tx1")
                      ).status_code == 200
    finally:
        events.entitlements_changed.disconnect(receiver)
    db.session.expire_all()
    assert _sub(org).status == "cancelled"
    assert db.session.scalar(select(SubscriptionPeriod)).cancelled_at is not None
    assert lost[0]["user_ids"] == [member["id"]] and lost[0]["reason"] == "refunded"
    assert lost[0]["lost_products"][member["id"]] == {"building", "project", "asset"}


def test_refund_of_a_renewal_not_yet_begun_shortens_the_subscription(setup, notify):
    org, plan = setup
    _pay(notify, org, plan, "tx1")
    first_end = _sub(org).current_period_end
    renewal = _pay(notify, org, plan, "tx2")
    notify(midtrans_body(renewal.gateway_order_id, status="refund", txid="tx2"))
    db.session.expire_all()
    sub = _sub(org)
    assert sub.status == "active" and sub.current_period_end == first_end


def test_payment_publishes_an_account_event(setup, notify, app):
    org, plan = setup
    got = queue.Queue()
    unsubscribe = get_store().subscribe(lifecycle.account_channel(org.id), got.put)
    try:
        order = _pay(notify, org, plan)
        message = json.loads(got.get(timeout=3))
        if message.get("status") == "awaiting_payment":  # the order's creation, first
            message = json.loads(got.get(timeout=3))
    finally:
        unsubscribe()
    assert message == {"type": "order", "order_id": order.id, "status": "paid"}

