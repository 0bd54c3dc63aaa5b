"""Billing: orders, the payment notifications received for them, renewal reminders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ... import clock
from ...extensions import db
from ..types import UTCDateTime

ORDER_KINDS = ("new", "renewal", "upgrade", "downgrade")
# superseded: another order of the organisation was paid first, or a newer one replaced it;
# it can no longer be paid. scheduled: a downgrade waiting for the period end (no charge);
# applied: that downgrade took effect (the renewal on its plan was paid).
ORDER_STATUSES = ("awaiting_payment", "paid", "expired", "failed", "refunded", "cancelled",
                  "superseded", "scheduled", "applied")
_AWAITING = text("status = 'awaiting_payment'")


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        # One awaiting order per organisation: a newer order supersedes the older one
        # (billing/orders.py), a double click returns the same order.
        Index("uq_orders_one_awaiting", "organization_id", unique=True,
              postgresql_where=_AWAITING, sqlite_where=_AWAITING),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                 index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    kind: Mapped[str] = mapped_column(String(16), default="new")
    status: Mapped[str] = mapped_column(String(24), default="awaiting_payment")
    # Copied from the plan when the order is created: a later price change does not move it.
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    gateway: Mapped[str] = mapped_column(String(32), default="midtrans")
    gateway_order_id: Mapped[str] = mapped_column(String(64), unique=True)
    payment_reference: Mapped[str | None] = mapped_column(String(128))
    # The Snap transaction made for this order (billing/checkout.py): reused until it expires.
    snap_token: Mapped[str | None] = mapped_column(String(255))
    snap_redirect_url: Mapped[str | None] = mapped_column(String(1024))
    snap_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class PaymentNotification(db.Model):
    """Every notification received, verified or not (the audit trail of the gateway side).

    The unique key makes processing exactly-once: a duplicate insert finds the row.
    Rejected notifications (bad signature, wrong amount) keep ``transaction_id`` NULL
    (the claimed one stays in ``raw``) so a forgery never occupies a genuine key; they are
    kept for ``payment_notification_retention`` only (outcome ``rejected_*``). A verified
    one is keyed by the transaction id and status the gateway's Get Status confirmed,
    never by what the body claimed. For Midtrans ``transaction_status`` is
    ``capture:<fraud_status>`` for captures, so a capture that was challenged and later
    accepted is two distinct events.
    """

    __tablename__ = "payment_notifications"
    __table_args__ = (UniqueConstraint("gateway", "transaction_id", "transaction_status",
                                       name="uq_payment_notifications_transaction"),
                      # The worker deletes refused rows older than the retention period.
                      Index("ix_payment_notifications_received_at", "received_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gateway: Mapped[str] = mapped_column(String(32))
    transaction_id: Mapped[str | None] = mapped_column(String(128))
    transaction_status: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"),
                                                 index=True)
    # processed / ignored / superseded / rejected_* (rejected_signature, rejected_amount,
    # rejected_unknown_order, rejected_unconfirmed, rejected_malformed)
    outcome: Mapped[str] = mapped_column(String(32))
    raw: Mapped[dict] = mapped_column(JSON, default=dict)
    # The sender's address (after trusted proxies): refusals are limited per source.
    source_ip: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Reminder(db.Model):
    """One renewal reminder of one period; the unique key is the claim (exactly once)."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("subscription_id", "period_end", "days_before",
                                       name="uq_reminders_period_days"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    days_before: Mapped[int] = mapped_column(Integer)
    # sending → sent | retry (→ sending ...) | failed; skipped when superseded or renewed.
    status: Mapped[str] = mapped_column(String(16), default="sending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
