"""The subscription lifecycle driven by payments: start, extend, refund, expire.

Period arithmetic is the subscription service's (idp.orgs.subscriptions.apply_paid_period):
no running period → it starts now; a running one → it starts at the current end, so
periods never overlap and no paid day is lost. Each period is a ``SubscriptionPeriod``
row carrying the order that paid for it.

These functions run inside the caller's transaction (the one that moved the order to
paid); ``announce`` runs after its commit.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from .. import clock, events
from ..extensions import db
from ..orgs import cache as entitlement_cache
from ..orgs import changes
from ..orgs.subscriptions import apply_paid_period
from ..storage.models import Membership, Organization, Plan, Subscription, SubscriptionPeriod
from ..storage.store import StoreUnavailable, get_store

log = logging.getLogger("idp.billing")


def _lock_organization(organization_id: int) -> None:
    """Serialise lifecycle changes of one organisation (a row lock; no-op on SQLite)."""
    db.session.execute(select(Organization.id).where(Organization.id == organization_id)
                       .with_for_update())


def activate_or_extend(session, organization_id: int, plan: Plan, order_id: int | None
                       ) -> SubscriptionPeriod:
    """Start or extend the organisation's subscription for a confirmed payment.

    Call only after the payment is confirmed, in the same transaction as the paid
    move; the period arithmetic is the subscription service's (one place).
    """
    return apply_paid_period(session, organization_id, plan, order_id)


def cancel_order_period(session, order_id: int) -> Subscription | None:
    """Cancel the period a refunded order paid for; return the subscription if access ends now.

    The current period: the subscription ends now (cancelled). A period not yet begun
    (a renewal): it is removed from the end, later periods move up by its length.
    """
    period = session.scalar(select(SubscriptionPeriod).where(
        SubscriptionPeriod.order_id == order_id, SubscriptionPeriod.cancelled_at.is_(None)))
    if period is None:
        return None
    sub = session.get(Subscription, period.subscription_id)
    _lock_organization(sub.organization_id)
    now = clock.now()
    period.cancelled_at = now
    if period.end <= now or sub.status not in ("active", "past_due"):
        return None  # already over: nothing to take back
    if period.start <= now:
        sub.status, sub.current_period_end = "cancelled", now
        return sub
    _shift_later_periods(session, sub, period)
    return None


def _shift_later_periods(session, sub: Subscription, removed: SubscriptionPeriod) -> None:
    length = removed.end - removed.start
    later = session.scalars(select(SubscriptionPeriod).where(
        SubscriptionPeriod.subscription_id == sub.id, SubscriptionPeriod.start >= removed.end,
        SubscriptionPeriod.cancelled_at.is_(None)))
    for period in later:
        period.start, period.end = period.start - length, period.end - length
    sub.current_period_end = sub.current_period_end - length


def expire_lapsed(now: datetime) -> list[tuple[int, int]]:
    """Move active subscriptions whose period ended to expired; return [(org id, plan id)].

    One conditional UPDATE: two workers never expire (and announce) the same one twice.
    """
    rows = db.session.execute(
        update(Subscription)
        .where(Subscription.status.in_(("active", "past_due")),
               Subscription.current_period_end <= now)
        .values(status="expired", updated_at=now)
        .returning(Subscription.organization_id, Subscription.plan_id)).all()
    db.session.commit()
    return [(org_id, plan_id) for org_id, plan_id in rows]


def announce_lost(organization_id: int, plan_id: int, reason: str) -> None:
    """Tell the token side that every member of the organisation lost the plan's products.

    Through the durable outbox (orgs.changes): an outage now delays it, never loses it.
    """
    plan = db.session.get(Plan, plan_id)
    products = set(plan.products or []) if plan else set()
    user_ids = list(db.session.scalars(select(Membership.user_id).where(
        Membership.organization_id == organization_id)))
    changes.announce(organization_id, {uid: set(products) for uid in user_ids}, reason)


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
