"""Exactly once: concurrent duplicates, out-of-order delivery, the order state machine."""

import threading

import pytest
from sqlalchemy import func, select

from idp.billing import payments
from idp.billing.orders import OrderError, create_order, transition
from idp.extensions import db
from idp.storage.models import Order, PaymentNotification, Subscription, SubscriptionPeriod
from tests.factories import make_org, make_plan, midtrans_body


@pytest.fixture
def order(ctx, midtrans):
    org, plan = make_org("acme"), make_plan()
    order, _ = create_order(org, plan)
    midtrans.set_status(order.gateway_order_id, "settlement", "150000.00", "tx-1")  # as paid
    return {"id": order.id, "ref": order.gateway_order_id, "org": org.id}


def _count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _concurrently(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # noqa: BLE001  (surfaced below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


def test_twenty_identical_notifications_pay_once(order, app):
    body = midtrans_body(order["ref"])
    statuses = _concurrently(20, lambda: app.test_client().post(
        "/billing/notifications/midtrans", data=body, content_type="application/json").status_code)
    assert statuses == [200] * 20
    assert _count(Order, Order.status == "paid") == 1
    assert _count(SubscriptionPeriod) == 1
    assert _count(PaymentNotification) == 1
    sub = db.session.scalar(select(Subscription))
    assert (sub.current_period_end - sub.current_period_start).days == 30


def test_twenty_different_deliveries_of_settlement_extend_once(order, app):
    """Distinct transaction ids for one order (a gateway bug, or a replay) still pay it once:
    the key is the transaction Get Status confirms."""
    bodies = [midtrans_body(order["ref"], txid=f"tx-{i}") for i in range(20)]
    it = iter(bodies)
    lock = threading.Lock()

    def post():
        with lock:
            body = next(it)
        return app.test_client().post("/billing/notifications/midtrans", data=body,
                                      content_type="application/json").status_code

    assert _concurrently(20, post) == [200] * 20
    assert _count(SubscriptionPeriod) == 1


def test_replay_changes_nothing(order, notify):
    notify(midtrans_body(order["ref"]))
    resp = notify(midtrans_body(order["ref"]))
    assert resp.status_code == 200 and resp.json["outcome"] == "duplicate"
    assert _count(SubscriptionPeriod) == 1


def test_pending_after_settlement_changes_nothing(order, notify):
    notify(midtrans_body(order["ref"], status="settlement", txid="tx"))
    resp = notify(midtrans_body(order["ref"], status="pending", txid="tx"))
    assert resp.status_code == 200 and resp.json["order_status"] == "paid"
    assert _count(Order, Order.status == "paid") == 1


def test_expire_after_settlement_changes_nothing(order, notify):
    notify(midtrans_body(order["ref"], status="settlement"))
    notify(midtrans_body(order["ref"], status="expire"))
    assert db.session.get(Order, order["id"]).status == "paid"


def test_settlement_after_expiry_does_not_pay(order, notify):
    notify(midtrans_body(order["ref"], status="expire"))
    resp = notify(midtrans_body(order["ref"], status="settlement"))
    assert resp.status_code == 200 and resp.json["outcome"] == "ignored"
    db.session.expire_all()
    assert db.session.get(Order, order["id"]).status == "expired"
    assert _count(Subscription) == 0


def test_nothing_moves_after_refund(order, notify):
    notify(midtrans_body(order["ref"], status="settlement"))
    notify(midtrans_body(order["ref"], status="refund"))
    for status in ("settlement", "pending", "expire", "cancel"):
        notify(midtrans_body(order["ref"], status=status, txid="tx-2"))
    db.session.expire_all()
    assert db.session.get(Order, order["id"]).status == "refunded"


@pytest.mark.parametrize("start,to", [("paid", "expired"), ("paid", "failed"),
                                      ("expired", "paid"), ("refunded", "paid"),
                                      ("failed", "paid"), ("awaiting_payment", "refunded")])
def test_state_machine_refuses_illegal_moves(order, start, to):
    db.session.get(Order, order["id"]).status = start
    db.session.commit()
    assert transition(order["id"], to) is None
    db.session.commit()
    assert db.session.get(Order, order["id"]).status == start


def test_mark_paid_is_the_same_transition(order):
    paid = payments.mark_paid(order["id"], "BCA-123")
    assert paid.status == "paid" and paid.payment_reference == "BCA-123"
    assert _count(SubscriptionPeriod, SubscriptionPeriod.order_id == order["id"]) == 1
    with pytest.raises(OrderError):
        payments.mark_paid(order["id"], "BCA-124")
    assert _count(SubscriptionPeriod) == 1


def test_notification_after_mark_paid_changes_nothing(order, notify):
    payments.mark_paid(order["id"], "BCA-1")
    assert notify(midtrans_body(order["ref"])).json["outcome"] == "ignored"
    assert _count(SubscriptionPeriod) == 1


def test_twenty_concurrent_creators_make_one_order(ctx, app):
    org, plan = make_org("busy"), make_plan()
    org_id, plan_id = org.id, plan.id

    def create():
        with app.app_context():
            from idp.storage.models import Organization, Plan

            o, _ = create_order(db.session.get(Organization, org_id), db.session.get(Plan, plan_id))
            return o.id

    ids = _concurrently(20, create)
    assert len(set(ids)) == 1
    assert _count(Order) == 1
