"""Each period carries its own plan (issue 11 item 3).

A paid period that starts later takes effect when it starts; a refund cancels only its own
period and restores the plan and end that were in force without it; paying one order
supersedes the organisation's other awaiting orders.
"""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from idp import clock, events
from idp.billing import payments
from idp.billing.jobs import run_due
from idp.billing.orders import OrderError, create_order
from idp.extensions import db
from idp.orgs import entitlements
from idp.storage.models import Order, PaymentNotification, Subscription, SubscriptionPeriod
from tests.factories import add_order, amount_of, make_member, make_org, make_plan, midtrans_body

ALL = ("building", "project", "asset")


@pytest.fixture
def setup(ctx):
    org = make_org("acme")
    member = make_member(org)
    starter = make_plan("starter", price="50000", products=("building",), tier=1)
    suite = make_plan("suite", price="150000", products=ALL, tier=3)
    return org, member, starter, suite


def _pay(notify, order, plan, txid):
    resp = notify(midtrans_body(order.gateway_order_id, amount=amount_of(plan), txid=txid))
    assert resp.status_code == 200, resp.json
    db.session.expire_all()
    return resp


def _refund(notify, order, plan, txid):
    resp = notify(midtrans_body(order.gateway_order_id, status="refund", amount=amount_of(plan),
                                txid=txid))
    assert resp.status_code == 200, resp.json
    db.session.expire_all()
    return resp


def _sub(org):
    db.session.expire_all()
    return db.session.scalar(select(Subscription).where(Subscription.organization_id == org.id))


def _plan_now(member, org):
    found = entitlements.resolve(member["id"], org.id)
    return found.plan_code if found.allowed else found.reason


def _advance_to(moment, offset: float = 0) -> None:
    clock.advance((moment - clock.now()).total_seconds() + offset)


def _running_starter(notify, org, starter):
    first, _ = create_order(org, starter)
    _pay(notify, first, starter, "tx-starter")
    return first, _sub(org).current_period_end


def test_a_paid_period_for_another_plan_takes_effect_when_it_starts(setup, notify):
    org, member, starter, suite = setup
    _, boundary = _running_starter(notify, org, starter)
    later = add_order(org, suite)
    _pay(notify, later, suite, "tx-suite")
    assert _plan_now(member, org) == "starter"  # Suite is paid for from the boundary, not now
    sub = _sub(org)
    assert sub.plan.code == "starter" and sub.current_period_end == boundary + timedelta(days=30)
    _advance_to(boundary, -1)
    assert _plan_now(member, org) == "starter"
    _advance_to(boundary, +1)  # no job ran, no cache was dropped: the answer still switches
    assert _plan_now(member, org) == "suite"
    assert entitlements.resolve(member["id"], org.id).products == ALL


def test_refunding_the_later_period_restores_the_plan_and_end(setup, notify):
    org, member, starter, suite = setup
    _, boundary = _running_starter(notify, org, starter)
    later = add_order(org, suite)
    _pay(notify, later, suite, "tx-suite")
    _refund(notify, later, suite, "tx-suite")
    sub = _sub(org)
    assert (sub.status, sub.plan.code, sub.current_period_end) == ("active", "starter", boundary)
    cancelled = db.session.scalar(select(SubscriptionPeriod).where(
        SubscriptionPeriod.order_id == later.id))
    assert cancelled.cancelled_at is not None
    assert _plan_now(member, org) == "starter"
    _advance_to(boundary, +1)
    assert _plan_now(member, org) == "expired"  # the refunded Suite days are gone


def test_refunding_the_running_period_hands_over_to_the_next_paid_one(setup, notify):
    org, member, starter, suite = setup
    first, _ = _running_starter(notify, org, starter)
    later = add_order(org, suite)
    _pay(notify, later, suite, "tx-suite")
    clock.advance(5 * 86400)
    _refund(notify, first, starter, "tx-starter")
    sub = _sub(org)
    assert sub.status == "active" and sub.plan.code == "suite"
    assert abs((sub.current_period_end - (clock.now() + timedelta(days=30))).total_seconds()) < 5
    assert _plan_now(member, org) == "suite"


def test_refunding_the_only_running_period_ends_access(setup, notify):
    org, member, starter, _ = setup
    first, _ = _running_starter(notify, org, starter)
    _refund(notify, first, starter, "tx-starter")
    assert _sub(org).status == "cancelled" and _plan_now(member, org) == "cancelled"


def test_a_new_order_supersedes_the_awaiting_one(setup, notify):
    org, _, starter, suite = setup
    forgotten, _ = create_order(org, suite)
    chosen, _ = create_order(org, starter)  # the customer changed their mind
    assert db.session.get(Order, forgotten.id).status == "superseded"
    _pay(notify, chosen, starter, "tx-1")
    assert db.session.get(Order, forgotten.id).status == "superseded"
    # Paid at the gateway months later: recorded, and it changes nothing.
    clock.advance(60 * 86400)
    resp = _pay(notify, forgotten, suite, "tx-2")
    assert resp.json["outcome"] == "superseded"
    assert db.session.get(Order, forgotten.id).status == "superseded"
    assert db.session.scalar(select(func.count()).select_from(SubscriptionPeriod)) == 1
    row = db.session.scalar(select(PaymentNotification).where(
        PaymentNotification.order_id == forgotten.id))
    assert row.outcome == "superseded" and row.transaction_id == "tx-2"
    with pytest.raises(OrderError):
        payments.mark_paid(forgotten.id, "BCA-9")
    assert _sub(org).plan.code == "starter"


def test_two_orders_paid_at_once_one_wins_the_other_is_superseded(setup, app, midtrans):
    org, _, starter, suite = setup
    one, _ = create_order(org, starter)
    two, _ = create_order(org, suite)
    bodies = []
    for order, plan in ((one, starter), (two, suite)):
        midtrans.set_status(order.gateway_order_id, "settlement", amount_of(plan), f"tx-{order.id}")
        bodies.append(midtrans.notification(order.gateway_order_id))
    barrier, codes = threading.Barrier(2), []

    def post(body):
        barrier.wait()
        codes.append(app.test_client().post("/billing/notifications/midtrans", data=body,
                                            content_type="application/json").status_code)

    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert codes == [200, 200]
    db.session.expire_all()
    statuses = sorted(db.session.scalars(select(Order.status)))
    assert statuses == ["paid", "superseded"]
    assert db.session.scalar(select(func.count()).select_from(SubscriptionPeriod)) == 1


def test_at_the_boundary_the_worker_records_the_plan_and_announces_lost_products(setup, notify):
    org, member, starter, suite = setup
    first, _ = create_order(org, suite)
    _pay(notify, first, suite, "tx-suite")
    boundary = _sub(org).current_period_end
    later = add_order(org, starter)  # a downgrade at renewal
    _pay(notify, later, starter, "tx-starter")
    assert _plan_now(member, org) == "suite"
    _advance_to(boundary, +1)
    assert _plan_now(member, org) == "starter"  # at once, before any job
    lost = []
    with events.entitlements_changed.connected_to(lambda sender, **kw: lost.append(kw)):
        counts = run_due()
        assert run_due()["subscriptions_switched"] == 0  # once
    assert counts["subscriptions_switched"] == 1
    assert _sub(org).plan.code == "starter"
    assert lost == [{"organization_id": org.id, "user_ids": [member["id"]],
                     "lost_products": {member["id"]: {"project", "asset"}},
                     "reason": "downgraded"}]
