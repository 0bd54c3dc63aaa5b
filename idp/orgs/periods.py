"""Subscription periods are the record: each row says which plan was paid (or granted) from
when to when. The plan in force at an instant is the plan of the live (not cancelled)
period containing it; a period that starts later takes effect when it starts.

The subscription row keeps a summary for listings, reminders and the expiry job, which
``sync`` recomputes after every change, inside the same transaction:

- ``current_period_end``: the paid-through end (the end of the last live period);
- ``current_period_start``: the start of the contiguous run of periods containing now;
- ``plan_id``: the plan in force when it was last written. At a boundary it lags until
  the worker's ``begin_due_periods`` catches up; entitlements never read it for an
  active subscription (they judge the periods themselves, see timeline.py).

Every function here runs in the caller's transaction, under its organisation row lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..storage.models import Plan, Subscription, SubscriptionPeriod

RUNNING_STATUSES = ("active", "past_due")


def live(session, sub: Subscription) -> list[SubscriptionPeriod]:
    """The subscription's periods that were not cancelled, in time order."""
    return list(session.scalars(select(SubscriptionPeriod).where(
        SubscriptionPeriod.subscription_id == sub.id, SubscriptionPeriod.cancelled_at.is_(None))
        .order_by(SubscriptionPeriod.start, SubscriptionPeriod.id)))


def containing(periods: list[SubscriptionPeriod], at: datetime) -> SubscriptionPeriod | None:
    return next((p for p in periods if p.start <= at < p.end), None)


def paid_through(periods: list[SubscriptionPeriod]) -> datetime | None:
    return max((p.end for p in periods), default=None)


def running(sub: Subscription, periods: list[SubscriptionPeriod], at: datetime) -> bool:
    """A subscription whose paid time has not ended: new time is added after it."""
    end = paid_through(periods)
    return sub.status in RUNNING_STATUSES and end is not None and end > at


def last_plan_id(session, sub: Subscription) -> int:
    """The plan of the last live period (what a renewal extends), else the subscription's."""
    periods = live(session, sub)
    return periods[-1].plan_id if periods else sub.plan_id


def add(session, sub: Subscription, plan: Plan, days: int, at: datetime,
        order_id: int | None = None) -> SubscriptionPeriod:
    """Add ``days`` of ``plan`` after the paid-through end (or from ``at`` when none runs)."""
    periods = live(session, sub)
    start = paid_through(periods) if running(sub, periods, at) else at
    period = SubscriptionPeriod(subscription_id=sub.id, plan_id=plan.id, start=start,
                                end=start + timedelta(days=days), order_id=order_id)
    session.add(period)
    session.flush()
    sub.status = "active"
    sync(session, sub, at)
    return period


def sync(session, sub: Subscription, at: datetime) -> None:
    """Recompute the subscription's summary from its live periods at ``at``."""
    periods = live(session, sub)
    if not periods:
        return
    sub.current_period_end = paid_through(periods)
    current = containing(periods, at)
    if current is None:
        return
    sub.current_period_start = _run_start(periods, current)
    if sub.plan_id != current.plan_id:
        sub.plan_id, sub.plan = current.plan_id, session.get(Plan, current.plan_id)


def _run_start(periods: list[SubscriptionPeriod], current: SubscriptionPeriod) -> datetime:
    start = current.start
    for period in reversed(periods[:periods.index(current)]):
        if period.end < start:
            break
        start = min(start, period.start)
    return start


def remove(session, sub: Subscription, period: SubscriptionPeriod, at: datetime) -> None:
    """Cancel one period (a refund): later periods move up by the time it would have taken
    from ``at`` on, so the plan and end are those that would be in force without it.

    A period already over takes nothing back. When no paid time is left, the
    subscription is cancelled now.
    """
    period.cancelled_at = at
    if period.end <= at or sub.status not in RUNNING_STATUSES:
        return
    gap = period.end - max(period.start, at)
    for later in session.scalars(select(SubscriptionPeriod).where(
            SubscriptionPeriod.subscription_id == sub.id, SubscriptionPeriod.start >= period.end,
            SubscriptionPeriod.cancelled_at.is_(None))):
        later.start, later.end = later.start - gap, later.end - gap
    session.flush()
    remaining = live(session, sub)
    if containing(remaining, at) is None and not any(p.start > at for p in remaining):
        sub.status, sub.current_period_end = "cancelled", at
        return
    sync(session, sub, at)


def change_plan_from(session, sub: Subscription, plan: Plan, at: datetime) -> None:
    """An operator's in-place change: the period in force and every later one get ``plan``."""
    for period in live(session, sub):
        if period.end > at:
            period.plan_id = plan.id
    sub.plan_id, sub.plan = plan.id, plan
    session.flush()


def plan_id_at(session, sub: Subscription, at: datetime) -> int:
    """The plan in force at ``at``: that of the live period containing it, else the subscription's."""
    current = containing(live(session, sub), at)
    return current.plan_id if current is not None else sub.plan_id
