"""Subscriptions: one current per organisation (the database says so), periods, billing entry point."""

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from idp import clock
from idp.billing.lifecycle import expire_lapsed
from idp.extensions import db
from idp.orgs import subscriptions
from idp.orgs.errors import OrgError
from idp.storage.models import Subscription, SubscriptionPeriod


def _insert(org_id, status):
    plan_id = db.session.scalar(text("SELECT id FROM plans WHERE code = 'suite'"))
    db.session.execute(text("INSERT INTO subscriptions (organization_id, plan_id, status, created_at,"
                            " updated_at) VALUES (:o, :p, :s, now(), now())"),
                       {"o": org_id, "p": plan_id, "s": status})
    db.session.commit()


@pytest.mark.parametrize("second", ["pending", "active", "past_due"])
def test_database_refuses_a_second_current_subscription(plans, org_with, second):
    org_id, _ = org_with(1)
    _insert(org_id, "active")
    with pytest.raises(IntegrityError):
        _insert(org_id, second)
    db.session.rollback()


def test_database_accepts_history_beside_the_current_one(plans, org_with):
    org_id, _ = org_with(1)
    for status in ("expired", "cancelled", "expired", "active"):
        _insert(org_id, status)
    assert db.session.scalar(text("SELECT count(*) FROM subscriptions")) == 4


def test_start_refuses_a_second_current_subscription_and_changes_nothing(plans, org_with):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "starter")
    with pytest.raises(OrgError, match="already has a current subscription"):
        subscriptions.start(org_id, "suite")
    assert db.session.scalar(text("SELECT count(*) FROM subscriptions")) == 1
    assert db.session.scalar(text("SELECT count(*) FROM subscription_periods")) == 1


def test_start_creates_an_active_period_of_the_plans_length(plans, org_with):
    org_id, _ = org_with(1)
    sub = subscriptions.start(org_id, "suite")
    assert sub.status == "active"
    assert sub.current_period_end - sub.current_period_start == timedelta(days=30)
    shown = subscriptions.show(org_id)
    assert shown["status"] == "active" and shown["plan"] == "suite"
    assert shown["periods"] == [{"start": sub.current_period_start, "end": sub.current_period_end,
                                 "order_id": None, "plan": "suite", "cancelled_at": None}]


def test_start_refuses_unknown_or_inactive_plans_and_unknown_orgs(plans, org_with):
    from idp.orgs.plans import deactivate_plan

    org_id, _ = org_with(1)
    with pytest.raises(OrgError, match="no plan"):
        subscriptions.start(org_id, "gold")
    with pytest.raises(OrgError, match="no organisation"):
        subscriptions.start("Nobody Ltd", "suite")
    deactivate_plan("duo")
    with pytest.raises(OrgError, match="no longer offered"):
        subscriptions.start(org_id, "duo")
    assert db.session.scalar(text("SELECT count(*) FROM subscriptions")) == 0


def test_change_plan_moves_the_same_subscription_and_keeps_its_period(plans, org_with):
    org_id, _ = org_with(1)
    sub = subscriptions.start(org_id, "starter")
    end = sub.current_period_end
    changed = subscriptions.change_plan(org_id, "suite")
    assert changed.id == sub.id and changed.status == "active" and changed.current_period_end == end
    assert subscriptions.change_plan(org_id, "starter").plan.code == "starter"
    with pytest.raises(OrgError, match="already on plan"):
        subscriptions.change_plan(org_id, "starter")


def test_change_plan_without_a_subscription_fails(plans, org_with):
    org_id, _ = org_with(1)
    with pytest.raises(OrgError, match="no current subscription"):
        subscriptions.change_plan(org_id, "suite")


def test_extend_adds_from_the_current_period_end(plans, org_with):
    org_id, _ = org_with(1)
    sub = subscriptions.start(org_id, "suite")
    end = sub.current_period_end
    clock.advance(86400)
    extended = subscriptions.extend(org_id, days=10)
    assert extended.current_period_end == end + timedelta(days=10)
    assert subscriptions.extend(org_id).current_period_end == end + timedelta(days=40)
    periods = subscriptions.show(org_id)["periods"]
    assert [(p["start"], p["end"]) for p in periods][1:] == [
        (end, end + timedelta(days=10)), (end + timedelta(days=10), end + timedelta(days=40))]


@pytest.mark.parametrize("days", [0, -1, 100000, True])
def test_extend_refuses_bad_days(plans, org_with, days):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    with pytest.raises(OrgError, match="days"):
        subscriptions.extend(org_id, days=days)


def test_activate_or_extend_starts_a_new_subscription_when_none_is_current(plans, org_with):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "starter")
    subscriptions.cancel(org_id)
    clock.advance(3600)
    before = clock.now()
    sub = subscriptions.activate_or_extend(org_id, "suite", order_id=41)
    assert sub.status == "active" and sub.plan.code == "suite"
    assert before <= sub.current_period_start <= clock.now()
    assert db.session.scalar(text("SELECT count(*) FROM subscriptions")) == 2


def test_activate_or_extend_activates_a_pending_subscription(plans, org_with):
    from idp.orgs import entitlements as ent

    org_id, (uid,) = org_with(1)
    pending = subscriptions.create_pending(org_id, "duo")
    assert ent.resolve(uid, org_id).reason == "payment_pending"
    sub = subscriptions.activate_or_extend(org_id, "duo", order_id=7)
    assert sub.id == pending.id and sub.status == "active"
    assert ent.resolve(uid, org_id).allowed


def test_activate_or_extend_extends_from_the_end_never_overlapping(plans, org_with):
    org_id, _ = org_with(1)
    first = subscriptions.activate_or_extend(org_id, "suite", order_id=1)
    end = first.current_period_end
    second = subscriptions.activate_or_extend(org_id, "suite", order_id=2)
    assert second.id == first.id and second.current_period_end == end + timedelta(days=30)
    periods = db.session.scalars(db.select(SubscriptionPeriod).order_by(SubscriptionPeriod.start)).all()
    assert all(a.end <= b.start for a, b in itertools.pairwise(periods))


def test_activate_or_extend_after_a_lapse_starts_from_now(plans, org_with):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    clock.advance(40 * 86400)  # lapsed, no job ran: the row still says active
    sub = subscriptions.activate_or_extend(org_id, "suite", order_id=3)
    assert sub.current_period_start >= clock.now() - timedelta(seconds=1)
    assert sub.current_period_end - sub.current_period_start == timedelta(days=30)


def test_activate_or_extend_applies_an_order_once(plans, org_with):
    org_id, _ = org_with(1)
    end = subscriptions.activate_or_extend(org_id, "suite", order_id=9).current_period_end
    again = subscriptions.activate_or_extend(org_id, "suite", order_id=9)
    assert again.current_period_end == end
    assert db.session.scalar(text("SELECT count(*) FROM subscription_periods")) == 1


def test_database_refuses_one_order_paying_twice(plans, org_with):
    org_id, _ = org_with(1)
    sub = subscriptions.activate_or_extend(org_id, "suite", order_id=5)
    db.session.add(SubscriptionPeriod(subscription_id=sub.id, plan_id=sub.plan_id,
                                      start=clock.now(), end=clock.now(), order_id=5))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_cancel_ends_access_now_and_marks_the_period(plans, org_with):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    subscriptions.cancel(org_id)
    shown = subscriptions.show(org_id)
    assert shown["status"] == "cancelled" and shown["periods"][0]["cancelled_at"] is not None
    with pytest.raises(OrgError, match="no current subscription"):
        subscriptions.cancel(org_id)


def test_show_reports_a_lapsed_active_row_as_expired(plans, org_with):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    clock.advance(31 * 86400)
    shown = subscriptions.show(org_id)
    assert shown["status"] == "expired" and shown["stored_status"] == "active"


def test_expiry_job_expires_only_lapsed_subscriptions(plans, org_with):
    lapsing, _ = org_with(1)
    running, _ = org_with(1)
    subscriptions.start(lapsing, "suite")
    clock.advance(20 * 86400)
    subscriptions.start(running, "suite")
    clock.advance(11 * 86400)
    assert expire_lapsed(clock.now()) == 1  # the worker's expiry job
    assert db.session.scalar(db.select(Subscription.status).where(
        Subscription.organization_id == lapsing)) == "expired"
    assert db.session.scalar(db.select(Subscription.status).where(
        Subscription.organization_id == running)) == "active"
    subscriptions.start(lapsing, "starter")  # expired is history: a new one may start


def test_show_without_subscription_fails(org_with):
    org_id, _ = org_with(1)
    with pytest.raises(OrgError, match="has no subscription"):
        subscriptions.show(org_id)


def _in_threads(app, n, work):
    """Run ``work(i)`` in n threads at once, each in its own app context; return results/errors."""
    import threading

    barrier, results = threading.Barrier(n), [None] * n

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as exc:  # noqa: BLE001 — collected for the assertion
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_paid_orders_extend_one_after_the_other(app, plans, org_with):
    org_id, _ = org_with(1)
    first = subscriptions.activate_or_extend(org_id, "suite", order_id=100)
    start = first.current_period_start
    results = _in_threads(app, 4, lambda i: subscriptions.activate_or_extend(
        org_id, "suite", order_id=200 + i).id)
    assert results == [first.id] * 4
    db.session.expire_all()
    periods = db.session.scalars(db.select(SubscriptionPeriod).order_by(SubscriptionPeriod.start)).all()
    assert len(periods) == 5 and all(a.end == b.start for a, b in itertools.pairwise(periods))
    assert db.session.get(Subscription, first.id).current_period_end == start + timedelta(days=150)


def test_concurrent_starts_leave_exactly_one_current_subscription(app, plans, org_with):
    org_id, _ = org_with(1)
    results = _in_threads(app, 4, lambda i: subscriptions.start(org_id, "suite").id)
    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, OrgError) for r in results if not isinstance(r, int)), results
    assert db.session.scalar(text("SELECT count(*) FROM subscriptions")) == 1
