"""Subscriptions: start, change plan, extend, cancel, expire — and ``activate_or_extend`` for billing.

At most one current (pending / active / past_due) subscription per organisation:
the partial unique index ``uq_subscriptions_one_current`` enforces it; the
service checks first only to give a clear message. Periods never overlap: a new
period starts at the later of now and the current period's end. Writers lock the
organisation row so concurrent paid orders extend one after the other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..storage.models import Organization, Plan, Subscription, SubscriptionPeriod
from ..storage.models.orgs import CURRENT_STATUSES
from ..storage.transaction import transaction
from . import cache
from .changes import watch
from .errors import OrgError
from .organizations import get_organization
from .plans import get_plan
from .snapshots import subscription_of

MAX_EXTEND_DAYS = 3660


def current_subscription(organization_id: int) -> Subscription | None:
    """The organisation's pending, active or past-due subscription, if any."""
    return db.session.scalar(select(Subscription).where(
        Subscription.organization_id == organization_id,
        Subscription.status.in_(CURRENT_STATUSES)))


def _lock(session, org: Organization) -> None:
    session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())


def _require_current(org: Organization) -> Subscription:
    sub = current_subscription(org.id)
    if sub is None:
        raise OrgError(f"{org.name} has no current subscription")
    return sub


def _offered(plan: Plan) -> Plan:
    if not plan.active:
        raise OrgError(f"plan {plan.code} is no longer offered")
    return plan


def _add_period(session, sub: Subscription, start: datetime, days: int, order_id=None) -> None:
    end = start + timedelta(days=days)
    session.add(SubscriptionPeriod(subscription_id=sub.id, plan_id=sub.plan_id, start=start,
                                   end=end, order_id=order_id))
    if sub.current_period_end is None or start > sub.current_period_end:
        sub.current_period_start = start
    sub.current_period_end = end
    sub.status = "active"


def _new(session, org: Organization, plan: Plan, status: str) -> Subscription:
    name = org.name
    sub = Subscription(organization_id=org.id, plan_id=plan.id, status=status)
    session.add(sub)
    try:
        session.flush()  # the partial unique index speaks here
    except IntegrityError:
        session.rollback()
        raise OrgError(f"{name} already has a current subscription") from None
    return sub


def start(org_ref, plan_code, order_id: int | None = None) -> Subscription:
    """Start an active subscription now for the plan's period_days (refused if one is current)."""
    org, plan = get_organization(org_ref), _offered(get_plan(plan_code))
    if current_subscription(org.id) is not None:
        raise OrgError(f"{org.name} already has a current subscription")
    with transaction() as session:
        _lock(session, org)
        sub = _new(session, org, plan, "active")
        _add_period(session, sub, clock.now(), plan.period_days, order_id)
    cache.invalidate(org.id)
    return sub


def create_pending(org_ref, plan_code) -> Subscription:
    """A subscription waiting for payment (entitles nothing until activate_or_extend)."""
    org, plan = get_organization(org_ref), _offered(get_plan(plan_code))
    if current_subscription(org.id) is not None:
        raise OrgError(f"{org.name} already has a current subscription")
    with transaction() as session:
        _lock(session, org)
        sub = _new(session, org, plan, "pending")
    cache.invalidate(org.id)
    return sub


def apply_paid_period(session, organization_id: int, plan: Plan,
                      order_id: int | None) -> SubscriptionPeriod:
    """Apply one paid period of ``plan`` inside the caller's transaction (billing's paid move).

    The one place period arithmetic for payments lives. No running period (no
    subscription, a pending one, or one whose period ended) → the period starts now;
    a running one (active/past_due, end ahead) → it starts at the current end, so
    periods never overlap and no paid day is lost. The order's plan becomes the
    subscription's plan; the period row carries the order (a unique index refuses a
    second period for one order).
    """
    session.execute(select(Organization.id).where(Organization.id == organization_id)
                    .with_for_update())
    now = clock.now()
    sub = current_subscription(organization_id)
    running = (sub is not None and sub.status in ("active", "past_due")
               and sub.current_period_end is not None and sub.current_period_end > now)
    if sub is None:
        sub = Subscription(organization_id=organization_id, plan_id=plan.id, status="pending")
        session.add(sub)
        session.flush()
    sub.plan_id, sub.plan = plan.id, plan
    start = sub.current_period_end if running else now
    period = SubscriptionPeriod(subscription_id=sub.id, plan_id=plan.id, start=start,
                                end=start + timedelta(days=plan.period_days), order_id=order_id)
    session.add(period)
    if not running:
        sub.current_period_start = start
    sub.current_period_end, sub.status = period.end, "active"
    session.flush()
    return period


def activate_or_extend(org_ref, plan_code, order_id: int | None = None) -> Subscription:
    """Apply one paid period of ``plan`` as its own unit of work (idempotent per order_id)."""
    org, plan = get_organization(org_ref), get_plan(plan_code)
    with watch([org.id], "downgraded"), transaction() as session:
        _lock(session, org)
        if order_id is None or not session.scalar(
                select(SubscriptionPeriod.id).where(SubscriptionPeriod.order_id == order_id)):
            apply_paid_period(session, org.id, plan, order_id)
    return current_subscription(org.id) or subscription_of(org.id)


def change_plan(org_ref, plan_code) -> Subscription:
    """Move the current subscription to another plan in place (same period; not a cancellation)."""
    org, plan = get_organization(org_ref), _offered(get_plan(plan_code))
    sub = _require_current(org)
    if sub.plan_id == plan.id:
        raise OrgError(f"{org.name} is already on plan {plan.code}")
    with watch([org.id], "downgraded"), transaction() as session:
        _lock(session, org)
        sub.plan_id, sub.plan = plan.id, plan
    return sub


def extend(org_ref, days: int | None = None) -> Subscription:
    """Grant more time: a period of ``days`` (default: the plan's) from the current period end."""
    org = get_organization(org_ref)
    sub = _require_current(org)
    days = sub.plan.period_days if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTEND_DAYS:
        raise OrgError(f"days must be a whole number from 1 to {MAX_EXTEND_DAYS}")
    if sub.status == "pending":
        raise OrgError(f"{org.name}'s subscription is waiting for payment; start it first")
    with transaction() as session:
        _lock(session, org)
        _add_period(session, sub, max(clock.now(), sub.current_period_end), days)
    cache.invalidate(org.id)
    return sub


def _end(org_ref, status: str, reason: str) -> Subscription:
    org = get_organization(org_ref)
    sub = _require_current(org)
    with watch([org.id], reason), transaction() as session:
        _lock(session, org)
        sub.status = status
        if status == "cancelled":
            for period in session.scalars(select(SubscriptionPeriod).where(
                    SubscriptionPeriod.subscription_id == sub.id,
                    SubscriptionPeriod.end > clock.now())):
                period.cancelled_at = clock.now()
    return sub


def cancel(org_ref) -> Subscription:
    """Cancel the current subscription now; its members lose its products at once."""
    return _end(org_ref, "cancelled", "cancelled")


def expire(org_ref) -> Subscription:
    """Mark the current subscription expired."""
    return _end(org_ref, "expired", "expired")


def mark_past_due(org_ref) -> Subscription:
    """A renewal payment failed: the subscription is past due (it entitles nothing)."""
    org = get_organization(org_ref)
    if _require_current(org).status != "active":
        raise OrgError(f"{org.name}'s subscription is not active")
    return _end(org, "past_due", "past_due")


def show(org_ref) -> dict:
    """The current (or else latest) subscription with its period history."""
    from .entitlements import effective_status

    org = get_organization(org_ref)
    sub = subscription_of(org.id)
    if sub is None:
        raise OrgError(f"{org.name} has no subscription")
    periods = db.session.scalars(select(SubscriptionPeriod).where(
        SubscriptionPeriod.subscription_id == sub.id).order_by(SubscriptionPeriod.start))
    end = sub.current_period_end
    status = effective_status(sub.status, end and end.timestamp(), clock.now())
    return {"id": sub.id, "organization": org.name, "status": status, "stored_status": sub.status,
            "plan": sub.plan.code, "plan_name": sub.plan.name,
            "current_period_start": sub.current_period_start,
            "current_period_end": sub.current_period_end,
            "periods": [{"start": p.start, "end": p.end, "order_id": p.order_id,
                         "cancelled_at": p.cancelled_at} for p in periods]}
