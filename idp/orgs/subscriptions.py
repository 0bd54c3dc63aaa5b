"""Subscriptions: start, change plan, extend, cancel, expire — and ``apply_paid_period`` for billing.

At most one current (pending / active / past_due) subscription per organisation:
the partial unique index ``uq_subscriptions_one_current`` enforces it; the
service checks first only to give a clear message. The periods are the record
(periods.py): each carries its own plan; a period paid while another runs starts at
the paid-through end, and its plan takes effect when it starts.

Every change goes through ``changing``: the organisation row is locked first, then the
change runs under ``changes.watch`` (lost access is announced after the commit) and
stages one ``subscription.changed`` audit row in the same transaction (audit_trail.py).
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..storage.models import Organization, Plan, Subscription, SubscriptionPeriod
from ..storage.transaction import transaction
from . import periods
from .audit_trail import OPERATOR, Actor, record, state
from .changes import watch
from .current import current_subscription, renewal_plan, subscription_of
from .errors import OrgError
from .organizations import get_organization, lock
from .plans import get_plan

MAX_EXTEND_DAYS = 3660


@contextmanager
def changing(organization_id: int, reason: str):
    """Lock the organisation, then watch and commit one change to its subscription.

    The lock comes first so that what ``watch`` reads as "before" is the state this
    change starts from: two callers racing on one change (two workers expiring the same
    subscription) cannot both announce the access it ends. ``reason`` is the reason
    lost products are announced with.
    """
    outermost = not db.session.info.get("idp.atomic_depth")  # see storage/transaction.py
    lock(db.session, organization_id)
    try:
        with watch([organization_id], reason), transaction() as session:
            yield session
    except BaseException:
        if outermost:  # release the lock even when watch failed before the block began
            db.session.rollback()
        raise


def _require_current(org: Organization) -> Subscription:
    sub = current_subscription(org.id)
    if sub is None:
        raise OrgError(f"{org.name} has no current subscription")
    return sub


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


def _begin(org_ref, plan_code, status: str, action: str, actor: Actor) -> Subscription:
    org, plan = get_organization(org_ref), get_plan(plan_code, offered=True)
    if current_subscription(org.id) is not None:
        raise OrgError(f"{org.name} already has a current subscription")
    with changing(org.id, "changed") as session:
        sub = _new(session, org, plan, status)
        if status == "active":
            periods.add(session, sub, plan, plan.period_days, clock.now())
        record(session, sub, action, actor, None)
    return sub


def start(org_ref, plan_code, actor: Actor = OPERATOR) -> Subscription:
    """Start an active subscription now for the plan's period_days (refused if one is current)."""
    return _begin(org_ref, plan_code, "active", "start", actor)


def create_pending(org_ref, plan_code, actor: Actor = OPERATOR) -> Subscription:
    """A subscription waiting for payment (entitles nothing until a period is paid)."""
    return _begin(org_ref, plan_code, "pending", "pending", actor)


def apply_paid_period(session, organization_id: int, plan: Plan, order_id: int | None,
                      actor: Actor = OPERATOR, action: str = "paid", **detail
                      ) -> SubscriptionPeriod:
    """Apply one paid period of ``plan`` inside the caller's ``changing`` block (billing's move).

    No running period (no subscription, a pending one, or paid time that has ended) →
    the period starts now; a running one → it starts at the paid-through end, so periods
    never overlap and no paid day is lost, and ``plan`` takes effect only then. The
    period row carries the order (a unique index refuses a second period for one order).
    """
    lock(session, organization_id)  # held already under ``changing``: a no-op then
    sub = current_subscription(organization_id)
    before = state(sub)
    if sub is None:
        sub = Subscription(organization_id=organization_id, plan_id=plan.id, status="pending")
        session.add(sub)
        session.flush()
    period = periods.add(session, sub, plan, plan.period_days, clock.now(), order_id)
    record(session, sub, action, actor, before, period=period, order_id=order_id, **detail)
    return period


def apply_upgrade(session, organization_id: int, plan: Plan, order_id: int,
                  actor: Actor = OPERATOR, **detail) -> Subscription | None:
    """A paid upgrade, inside the caller's ``changing`` block: ``plan`` is in force from now
    for the paid time left (the period in force and every later one); the period end does
    not move. None (nothing changed) when no paid time is running any more."""
    lock(session, organization_id)
    sub = current_subscription(organization_id)
    now = clock.now()
    if sub is None or not periods.running(sub, periods.live(session, sub), now):
        return None
    before = state(sub)
    periods.change_plan_from(session, sub, plan, now)
    record(session, sub, "upgrade", actor, before, order_id=order_id, **detail)
    return sub


def cancel_at_period_end(org_ref, actor: Actor = OPERATOR) -> Subscription:
    """The subscription runs to the end of its paid time, then is cancelled (not renewed);
    ``resume`` undoes it until then."""
    return _set_cancel_at_period_end(org_ref, True, "cancel_at_period_end", actor)


def resume(org_ref, actor: Actor = OPERATOR) -> Subscription:
    """Undo ``cancel_at_period_end`` while the paid time still runs."""
    return _set_cancel_at_period_end(org_ref, False, "resume", actor)


def _set_cancel_at_period_end(org_ref, value: bool, action: str, actor: Actor) -> Subscription:
    org = get_organization(org_ref)
    with changing(org.id, "changed") as session:
        sub = _require_current(org)
        if sub.status != "active":
            raise OrgError(f"{org.name}'s subscription is {sub.status}, not active")
        if bool(sub.cancel_at_period_end) == value:
            raise OrgError(f"{org.name}'s subscription is already "
                           + ("set to end at the period end" if value else "running on"))
        before = state(sub)
        sub.cancel_at_period_end = value
        record(session, sub, action, actor, before)
    return sub


def activate_or_extend(org_ref, plan_code, order_id: int | None = None,
                       actor: Actor = OPERATOR) -> Subscription:
    """Apply one paid period of ``plan`` as its own unit of work (idempotent per order_id)."""
    org, plan = get_organization(org_ref), get_plan(plan_code)
    with changing(org.id, "downgraded") as session:
        if order_id is None or not session.scalar(
                select(SubscriptionPeriod.id).where(SubscriptionPeriod.order_id == order_id)):
            apply_paid_period(session, org.id, plan, order_id, actor)
    return subscription_of(org.id)


def change_plan(org_ref, plan_code, actor: Actor = OPERATOR) -> Subscription:
    """Move the current subscription to another plan in place, from now on: the period in
    force and every later one (same dates; not a cancellation)."""
    org, plan = get_organization(org_ref), get_plan(plan_code, offered=True)
    with changing(org.id, "downgraded") as session:
        sub = _require_current(org)
        if periods.plan_id_at(session, sub, clock.now()) == plan.id:
            raise OrgError(f"{org.name} is already on plan {plan.code}")
        before = state(sub)
        periods.change_plan_from(session, sub, plan, clock.now())
        record(session, sub, "change_plan", actor, before)
    return sub


def extend(org_ref, days: int | None = None, actor: Actor = OPERATOR) -> Subscription:
    """Grant more time: a period of ``days`` (default: the plan's) from the paid-through end,
    on the plan of the last period."""
    org = get_organization(org_ref)
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 1 <= days <= MAX_EXTEND_DAYS):
        raise OrgError(f"days must be a whole number from 1 to {MAX_EXTEND_DAYS}")
    with changing(org.id, "changed") as session:
        sub = _require_current(org)
        if sub.status == "pending":
            raise OrgError(f"{org.name}'s subscription is waiting for payment; start it first")
        plan = renewal_plan(sub)
        before = state(sub)
        period = periods.add(session, sub, plan, days or plan.period_days, clock.now())
        record(session, sub, "extend", actor, before, period=period, days=days or plan.period_days)
    return sub


def _end(org_ref, status: str, action: str, actor: Actor) -> Subscription:
    org = get_organization(org_ref)
    with changing(org.id, status) as session:
        sub = _require_current(org)
        if action == "past_due" and sub.status != "active":
            raise OrgError(f"{org.name}'s subscription is not active")
        before = state(sub)
        sub.status = status
        if status == "cancelled":
            for period in periods.live(session, sub):
                if period.end > clock.now():
                    period.cancelled_at = clock.now()
        record(session, sub, action, actor, before)
    return sub


def cancel(org_ref, actor: Actor = OPERATOR) -> Subscription:
    """Cancel the current subscription now; its members lose its products at once."""
    return _end(org_ref, "cancelled", "cancel", actor)


def expire(org_ref, actor: Actor = OPERATOR) -> Subscription:
    """Mark the current subscription expired."""
    return _end(org_ref, "expired", "expire", actor)


def mark_past_due(org_ref, actor: Actor = OPERATOR) -> Subscription:
    """A renewal payment failed: the subscription is past due (it entitles nothing)."""
    return _end(org_ref, "past_due", "past_due", actor)


def show(org_ref) -> dict:
    """The current (or else latest) subscription with its period history."""
    from .entitlements import effective_status

    org = get_organization(org_ref)
    sub = subscription_of(org.id)
    if sub is None:
        raise OrgError(f"{org.name} has no subscription")
    rows = db.session.execute(select(SubscriptionPeriod, Plan.code).join(
        Plan, Plan.id == SubscriptionPeriod.plan_id).where(
        SubscriptionPeriod.subscription_id == sub.id).order_by(SubscriptionPeriod.start)).all()
    end, now = sub.current_period_end, clock.now()
    status = effective_status(sub.status, end and end.timestamp(), now)
    plan = db.session.get(Plan, periods.plan_id_at(db.session, sub, now))
    return {"id": sub.id, "organization": org.name, "status": status, "stored_status": sub.status,
            "cancel_at_period_end": bool(sub.cancel_at_period_end),
            "plan": plan.code, "plan_name": plan.name,
            "current_period_start": sub.current_period_start,
            "current_period_end": sub.current_period_end,
            "periods": [{"start": p.start, "end": p.end, "order_id": p.order_id, "plan": code,
                         "cancelled_at": p.cancelled_at} for p, code in rows]}
