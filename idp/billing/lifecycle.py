"""The subscription lifecycle driven by payments and by time: paid periods, refunds,
expiry, and the boundary where a later period's plan takes effect.

Period arithmetic is the subscription service's (idp.orgs.periods): no running period →
a paid one starts now; a running one → it starts at the paid-through end and its plan
takes effect then. A refund cancels only its own period (later ones move up).

Payment moves run inside the caller's ``subscriptions.changing`` block (the one that
moved the order); the worker's passes open one block per subscription, so a lost
product is announced through ``changes.watch`` once, whichever worker gets there.
``announce`` runs after the commit.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from .. import clock, events
from ..extensions import db
from ..orgs import cache as entitlement_cache
from ..orgs import periods
from ..orgs.audit_trail import OPERATOR, WORKER, Actor, record, state
from ..orgs.subscriptions import apply_paid_period, changing
from ..storage.models import Plan, Subscription, SubscriptionPeriod
from ..storage.store import StoreUnavailable, get_store

log = logging.getLogger("idp.billing")
RUNNING = periods.RUNNING_STATUSES


def activate_or_extend(session, organization_id: int, plan: Plan, order_id: int | None,
                       actor: Actor = OPERATOR, action: str = "paid", **detail
                       ) -> SubscriptionPeriod:
    """Start or extend the organisation's subscription for a confirmed payment.

    Call only after the payment is confirmed, in the same transaction as the paid
    move; the period arithmetic is the subscription service's (one place).
    """
    return apply_paid_period(session, organization_id, plan, order_id, actor, action, **detail)


def refund_order_period(session, order_id: int, actor: Actor) -> Subscription | None:
    """Cancel the period a refunded order paid for; the plan and end become those in force
    without it (idp.orgs.periods.remove). Return the subscription, or None if no period."""
    period = session.scalar(select(SubscriptionPeriod).where(
        SubscriptionPeriod.order_id == order_id, SubscriptionPeriod.cancelled_at.is_(None)))
    if period is None:
        return None
    sub = session.get(Subscription, period.subscription_id)
    before = state(sub)
    periods.remove(session, sub, period, clock.now())
    record(session, sub, "refund", actor, before, period=period, order_id=order_id)
    return sub


def expire_lapsed(now: datetime) -> int:
    """Running subscriptions whose paid time ended become expired (members lose the
    products, announced once); return how many."""
    due = db.session.execute(select(Subscription.id, Subscription.organization_id).where(
        Subscription.status.in_(RUNNING), Subscription.current_period_end <= now)).all()
    db.session.commit()
    expired = 0
    for sub_id, organization_id in due:
        with changing(organization_id, "expired") as session:
            sub = _reread(session, sub_id)
            done = sub.status in RUNNING and sub.current_period_end <= now  # not by another
            if done:
                before, sub.status = state(sub), "expired"
                record(session, sub, "expire", WORKER, before)
        if done:
            expired += 1
            announce(organization_id, "expired", {"type": "subscription", "status": "expired"})
    return expired


def begin_due_periods(now: datetime) -> int:
    """Where a later period's plan took effect, record it on the subscription, audit it and
    announce the products lost (the entitlement already answered from the period at the
    boundary, see idp.orgs.timeline); return how many switched."""
    due = db.session.execute(
        select(Subscription.id, Subscription.organization_id).distinct()
        .join(SubscriptionPeriod, SubscriptionPeriod.subscription_id == Subscription.id)
        .where(Subscription.status.in_(RUNNING), SubscriptionPeriod.cancelled_at.is_(None),
               SubscriptionPeriod.start <= now, SubscriptionPeriod.end > now,
               SubscriptionPeriod.plan_id != Subscription.plan_id)).all()
    db.session.commit()
    switched = 0
    for sub_id, organization_id in due:
        with changing(organization_id, "downgraded") as session:
            sub = _reread(session, sub_id)
            before = state(sub)
            periods.sync(session, sub, now)
            done = sub.plan.code != before["plan"]
            if done:
                record(session, sub, "period_started", WORKER, before)
        if done:
            switched += 1
            announce(organization_id, "period_started", {"type": "subscription",
                                                          "status": "active"})
    return switched


def _reread(session, sub_id: int) -> Subscription:
    return session.scalar(select(Subscription).where(Subscription.id == sub_id)
                          .execution_options(populate_existing=True))


def announce(organization_id: int, reason: str, event: dict | None = None) -> None:
    """After a commit: drop cached entitlements at once and tell open account pages."""
    _invalidate_entitlements(organization_id, reason)
    if event is not None:
        publish_account_event(organization_id, event)


def _invalidate_entitlements(organization_id: int, reason: str = "changed") -> None:
    """Drop the organisation's cached entitlements on every instance (so the very next
    authorization sees the change), then send ``subscription_changed``."""
    try:
        entitlement_cache.invalidate(organization_id)
    except StoreUnavailable:
        log.warning("store unavailable: entitlement cache of org %s not invalidated", organization_id)
    events.subscription_changed.send(_sender(), organization_id=organization_id, reason=reason)


def account_channel(organization_id: int) -> str:
    return f"account:{organization_id}"


def publish_account_event(organization_id: int, event: dict) -> None:
    """Publish a JSON event for the live account page (GET /account/events)."""
    try:
        get_store().publish(account_channel(organization_id), json.dumps(event, default=str))
    except StoreUnavailable:
        log.warning("store unavailable: account event for org %s not published", organization_id)


def _sender():
    return current_app._get_current_object()
