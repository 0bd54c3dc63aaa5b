"""Customer plan changes (issue 13 item 2): upgrade (prorated, now), downgrade (scheduled at
the period end, refused below the member count), renew, cancel at the period end and
resume; one awaiting order per organisation, superseded orders activate nothing, and two
simultaneous orders or payments never both activate (real threads, Postgres)."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from idp import clock
from idp.billing import payments
from idp.billing.jobs import run_due
from idp.billing.orders import OrderError, cancel_downgrade, create_order, prorate, quote
from idp.extensions import db
from idp.orgs import entitlements
from idp.orgs.subscriptions import cancel_at_period_end, resume
from idp.storage.models import Order, Subscription
from tests.factories import amount_of, make_member, make_org, make_plan, midtrans_body

ALL = ("building", "project", "asset")


@pytest.fixture
def setup(ctx):
    org = make_org("acme")
    member = make_member(org)
    starter = make_plan("starter", price="50000", products=("building",), tier=1,
                        limits={"seats": 1})
    duo = make_plan("duo", price="100000", products=("building", "project"), tier=2)
    suite = make_plan("suite", price="150000", products=ALL, tier=3)
    return org, member, starter, duo, suite


def _pay(notify, order, txid="tx-1"):
    body = midtrans_body(order.gateway_order_id, amount=f"{order.amount:.2f}", txid=txid)
    resp = notify(body)
    db.session.expire_all()
    return resp


def _sub(org):
    db.session.expire_all()
    return db.session.scalar(select(Subscription).where(Subscription.organization_id == org.id))


def _on(org, plan, notify):
    order, _ = create_order(org, plan)
    assert _pay(notify, order).status_code == 200
    return order


@pytest.mark.parametrize("difference,remaining,expected", [
    ("50000", timedelta(days=15), "25000"),
    ("50000", timedelta(days=10), "16667"),  # 16666.67 -> half up
    ("100000", timedelta(days=10, seconds=1), "33333"),  # 33333.37
    ("1", timedelta(days=15), "1"),  # 0.5 -> 1 (half up)
    ("50000", timedelta(0), "0"),
    ("-50000", timedelta(days=10), "0"),
])
def test_proration_is_rounded_to_whole_rupiah_half_up(difference, remaining, expected):
    assert prorate(Decimal(difference), remaining, timedelta(days=30)) == Decimal(expected)


def test_upgrade_charges_the_prorated_difference_and_takes_effect_when_paid(setup, notify):
    org, member, _, duo, suite = setup
    _on(org, duo, notify)
    end = _sub(org).current_period_end
    clock.advance(20 * 86400)  # 10 of 30 days left
    order, created = create_order(org, suite)
    assert created and order.kind == "upgrade" and order.status == "awaiting_payment"
    assert order.amount == Decimal("16667")  # (150000 - 100000) * 10/30, half up
    assert entitlements.resolve(member["id"], org.id).plan_code == "duo"  # not yet paid
    assert _pay(notify, order, "tx-up").status_code == 200
    sub = _sub(org)
    assert sub.current_period_end == end  # the period end does not move
    assert entitlements.resolve(member["id"], org.id).plan_code == "suite"


def test_downgrade_is_scheduled_without_charge_and_cancellable(setup, notify):
    org, member, starter, duo, suite = setup
    _on(org, suite, notify)
    make_member(org)  # two members now, and starter has 1 seat
    with pytest.raises(OrderError) as refused:
        create_order(org, starter)
    assert "remove 1 member first" in str(refused.value)
    order, _ = create_order(org, duo)
    assert order.kind == "downgrade" and order.status == "scheduled" and order.amount == 0
    with pytest.raises(OrderError, match="cancel it to keep your current plan"):
        quote(org, suite)
    assert entitlements.resolve(member["id"], org.id).plan_code == "suite"  # until the end
    # The next renewal is on the downgraded plan, from the period end.
    renewal = quote(org, duo)
    assert renewal.kind == "renewal" and renewal.amount == duo.price
    cancelled = cancel_downgrade(org)
    assert db.session.get(Order, cancelled.id).status == "cancelled"
    assert quote(org, suite).kind == "renewal"


def test_renewal_on_the_scheduled_plan_applies_the_downgrade_at_the_period_end(setup, notify):
    org, member, _, duo, suite = setup
    _on(org, suite, notify)
    end = _sub(org).current_period_end
    downgrade, _ = create_order(org, duo)
    renewal, _ = create_order(org, duo)
    assert renewal.kind == "renewal" and renewal.amount == duo.price
    assert _pay(notify, renewal, "tx-renew").status_code == 200
    assert db.session.get(Order, downgrade.id).status == "applied"
    assert entitlements.resolve(member["id"], org.id).plan_code == "suite"
    clock.advance((end - clock.now()).total_seconds() + 1)
    run_due()
    assert entitlements.resolve(member["id"], org.id).plan_code == "duo"
    assert _sub(org).current_period_end == end + timedelta(days=30)


def test_cancel_runs_to_the_period_end_then_stops_and_is_resumable(setup, notify):
    org, member, _, duo, _suite = setup
    _on(org, duo, notify)
    end = _sub(org).current_period_end
    cancel_at_period_end(org.id)
    assert entitlements.resolve(member["id"], org.id).allowed  # runs to the end
    with pytest.raises(OrderError):
        create_order(org, duo)  # resume first
    resume(org.id)
    assert not _sub(org).cancel_at_period_end
    cancel_at_period_end(org.id)
    clock.advance((end - clock.now()).total_seconds() + 1)
    run_due()
    assert _sub(org).status == "cancelled"
    assert not entitlements.resolve(member["id"], org.id).allowed


def test_a_new_order_supersedes_the_awaiting_one_and_its_payment_activates_nothing(
        setup, notify):
    org, member, starter, duo, suite = setup
    old, _ = create_order(org, suite)
    new, _ = create_order(org, duo)
    assert db.session.get(Order, old.id).status == "superseded"
    again, created = create_order(org, duo)  # a double click
    assert again.id == new.id and not created
    resp = _pay(notify, old, "tx-old")
    assert resp.status_code == 200 and resp.json["outcome"] == "superseded"
    assert _sub(org) is None  # nothing activated
    with pytest.raises(OrderError):
        payments.mark_paid(old.id, "BCA-1")


def test_forged_notification_whose_get_status_disagrees_changes_nothing(setup, notify,
                                                                         midtrans):
    org, _, _, duo, _ = setup
    order, _ = create_order(org, duo)
    midtrans.set_status(order.gateway_order_id, "pending", amount_of(duo), "tx-1")
    body = midtrans_body(order.gateway_order_id, amount=amount_of(duo))  # says settlement
    resp = notify(body, confirm_it=False)
    assert resp.status_code == 200 and resp.json["outcome"] == "ignored"
    assert db.session.get(Order, order.id).status == "awaiting_payment"
    assert _sub(org) is None


def test_concurrent_orders_leave_exactly_one_awaiting(setup, app):
    org, _, starter, duo, suite = setup
    org_id = org.id
    db.session.commit()
    barrier, errors = threading.Barrier(6), []

    def place(code):
        with app.app_context():
            try:
                barrier.wait(5)
                create_order(db.session.get(type(org), org_id), code)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=place, args=(code,))
               for code in ("starter", "duo", "suite") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors, errors
    db.session.expire_all()
    awaiting = db.session.scalar(select(func.count()).select_from(Order).where(
        Order.organization_id == org_id, Order.status == "awaiting_payment"))
    assert awaiting == 1


def test_concurrent_payment_and_new_order_never_both_activate(setup, app, midtrans, web):
    org, _, _, duo, suite = setup
    first, _ = create_order(org, duo)
    midtrans.set_status(first.gateway_order_id, "settlement", amount_of(duo), "tx-a")
    body = midtrans.notification(first.gateway_order_id)
    org_id = org.id
    db.session.commit()
    barrier, results = threading.Barrier(2), {}

    def pay():
        barrier.wait(5)
        results["pay"] = app.test_client().post("/billing/notifications/midtrans", data=body,
                                                content_type="application/json").json

    def reorder():
        with app.app_context():
            barrier.wait(5)
            order, _ = create_order(db.session.get(type(org), org_id), "suite")
            results["order"] = (order.id, order.kind)
            db.session.remove()

    threads = [threading.Thread(target=pay), threading.Thread(target=reorder)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    db.session.expire_all()
    paid_first = db.session.get(Order, first.id).status == "paid"
    # Either the payment won (then the new order is an upgrade of the running plan) or the
    # new order superseded it first (then its payment activated nothing).
    if paid_first:
        assert results["order"][1] == "upgrade"
    else:
        assert results["pay"]["outcome"] == "superseded" and _sub(org) is None


def test_after_the_paid_time_any_plan_is_a_new_order_from_now(setup, notify):
    org, member, _, duo, suite = setup
    _on(org, suite, notify)
    clock.advance(31 * 86400)  # paid time over; the worker has not run
    order, _ = create_order(org, duo)
    assert order.kind == "new" and order.amount == duo.price
    assert _pay(notify, order, "tx-new").status_code == 200
    assert entitlements.resolve(member["id"], org.id).plan_code == "duo"
