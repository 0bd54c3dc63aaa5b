"""An organisation's subscription as every caller looks it up: one function per question.

- ``current_subscription``: the pending, active or past-due one (at most one: the partial
  unique index ``uq_subscriptions_one_current``), or None;
- ``subscription_of``: the current one, or else the most recent (to say why access ended);
- ``renewal_plan``: the plan a renewal extends — that of the last live period.

The CLI, billing (orders, reminders, the account pages), the subscription service and
the entitlement snapshots all ask here. Reads only; nothing here locks or writes.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..storage.models import Plan, Subscription
from ..storage.models.orgs import CURRENT_STATUSES
from .periods import last_plan_id


def current_subscription(organization_id: int) -> Subscription | None:
    """The organisation's pending, active or past-due subscription, if any."""
    return db.session.scalar(select(Subscription).where(
        Subscription.organization_id == organization_id,
        Subscription.status.in_(CURRENT_STATUSES)))


def subscription_of(organization_id: int) -> Subscription | None:
    """The current subscription, or else the most recent one (to say why access ended)."""
    current = current_subscription(organization_id)
    if current is not None:
        return current
    return db.session.scalar(select(Subscription).where(
        Subscription.organization_id == organization_id)
        .order_by(Subscription.id.desc()).limit(1))


def renewal_plan(subscription: Subscription) -> Plan:
    """The plan a renewal extends: that of the subscription's last live period."""
    return db.session.get(Plan, last_plan_id(db.session, subscription))
