"""Billing background jobs, run by `idp worker` (and `idp billing run-due`).

``run_due`` is safe to run from several workers at once: each step is a conditional
UPDATE or a claim by unique insert, so nothing is expired, announced or sent twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from .. import clock
from ..extensions import db
from ..storage.models import Order
from . import lifecycle, refusals, reminders


def run_due(now: datetime | None = None) -> dict:
    """Record plans that took effect, expire lapsed subscriptions and stale orders, send due
    reminders, delete refused notifications past their retention; return counts."""
    now = now or clock.now()
    counts = {"subscriptions_switched": lifecycle.begin_due_periods(now),
              "subscriptions_expired": lifecycle.expire_lapsed(now),
              "orders_expired": expire_orders(now)}
    counts.update(reminders.send_due(now))
    counts["notifications_pruned"] = refusals.prune(now)
    return counts


def expire_orders(now: datetime) -> int:
    """Orders awaiting payment longer than ``order_lifetime`` become expired."""
    cutoff = now - timedelta(seconds=current_app.config["IDP"].order_lifetime)
    rows = db.session.execute(
        update(Order)
        .where(Order.status == "awaiting_payment", Order.created_at <= cutoff)
        .values(status="expired", updated_at=now)
        .returning(Order.id, Order.organization_id)).all()
    db.session.commit()
    for order_id, organization_id in rows:
        lifecycle.publish_account_event(
            organization_id, {"type": "order", "order_id": order_id, "status": "expired"})
    return len(rows)


def worker_job() -> int:
    """The billing round of `idp worker`: how many things it did (0 when nothing was due)."""
    return sum(run_due().values())
