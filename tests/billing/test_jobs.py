"""run_due: lapsed subscriptions expire (members lose the products), stale orders expire."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from idp import clock, events
from idp.billing.jobs import run_due
from idp.billing.orders import create_order
from idp.extensions import db
from idp.storage.models import Order, Subscription
from tests.factories import make_member, make_org, make_plan, subscribe


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
    assert run_due()["subscriptions_expired"] == 1
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


def _workers(app, n, job):
    """Run ``job()`` in n threads at once, each its own app context (n workers)."""
    import threading

    barrier, results = threading.Barrier(n), []

    def work():
        with app.app_context():
            barrier.wait()
            try:
                results.append(job())
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_workers_racing_expire_and_announce_once(ctx, lost, app):
    org, plan = make_org("acme"), make_plan(products=("building",))
    make_member(org)
    subscribe(org, plan)
    clock.advance(30 * 86400 + 1)
    counts = _workers(app, 4, lambda: run_due()["subscriptions_expired"])
    assert sorted(counts) == [0, 0, 0, 1]
    assert len(lost) == 1 and lost[0]["reason"] == "expired"


def test_workers_racing_at_a_plan_boundary_switch_and_announce_once(ctx, lost, app):
    from idp.orgs.subscriptions import apply_paid_period

    org = make_org("acme")
    make_member(org)
    suite, starter = make_plan(), make_plan("starter", products=("building",))
    subscribe(org, suite)
    apply_paid_period(db.session, org.id, starter, None)  # a later, smaller period
    db.session.commit()
    clock.advance(30 * 86400 + 1)
    counts = _workers(app, 4, lambda: run_due()["subscriptions_switched"])
    assert sorted(counts) == [0, 0, 0, 1]
    assert len(lost) == 1 and lost[0]["lost_products"] == {
        lost[0]["user_ids"][0]: {"project", "asset"}}
