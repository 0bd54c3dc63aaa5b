"""The subscription lifecycle driven by payments and by time: paid periods, refunds,
expiry, and the boundary where a later period's plan takes effect.

Period arithmetic is the subscription service's (idp.orgs.periods): no running period →
a paid one starts now; a running one → it starts at the paid-through end and its plan
takes effect then. A refund cancels only its own period (later ones move up).

Payment moves run inside the caller's ``subscriptions.changing`` block (the one that
moved the order), where ``orgs.subscriptions.apply_paid_period`` adds the paid period;
the worker's passes open one block per subscription. Lost access is announced by that
block alone (``orgs.changes.watch``: the durable outbox), once, whichever worker gets
there; cached entitlements follow the version the change's own transaction bumped
(orgs/cache.py). After the commit billing only tells open account pages
(``publish_account_event``).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import select, update

from .. import clock
from ..extensions import db
from ..orgs import periods
from ..orgs.audit_trail import WORKER, Actor, record, state
from ..orgs.subscriptions import changing
from ..storage.models import Order, Subscription, SubscriptionPeriod
from ..storage.store import StoreUnavailable, get_store

log = logging.getLogger("idp.billing")
ACCOUNT_CHANNEL_PREFIX = "account:"  # web/live_hub.py subscribes to every such channel
RUNNING = periods.RUNNING_STATUSES


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
                # Cancelled by the customer: it ends as cancelled (it was not renewed on
                # purpose); a scheduled downgrade of a lapsed subscription has nothing left.
                ending = "cancelled" if sub.cancel_at_period_end else "expired"
                before, sub.status = state(sub), ending
                record(session, sub, "cancel" if ending == "cancelled" else "expire", WORKER,
                       before)
                session.execute(update(Order).where(
                    Order.organization_id == organization_id,
                    Order.status == "scheduled")
                    .values(status="cancelled", updated_at=now))
        if done:
            expired += 1
            publish_account_event(organization_id, {"type": "subscription", "status": ending})
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
            publish_account_event(organization_id, {"type": "subscription", "status": "active"})
    return switched


def _reread(session, sub_id: int) -> Subscription:
    return session.scalar(select(Subscription).where(Subscription.id == sub_id)
                          .execution_options(populate_existing=True))


def account_channel(organization_id: int) -> str:
    return f"{ACCOUNT_CHANNEL_PREFIX}{organization_id}"


def publish_account_event(organization_id: int, event: dict) -> None:
    """After a commit: publish a JSON event for open account pages (GET /account/events)."""
    try:
        get_store().publish(account_channel(organization_id), json.dumps(event, default=str))
    except StoreUnavailable:
        log.warning("store unavailable: account event for org %s not published", organization_id)

