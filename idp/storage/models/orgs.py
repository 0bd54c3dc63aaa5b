"""Organisations, memberships, products, plans and subscriptions (the entitlement record)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ... import clock
from ...extensions import db
from ..types import UTCDateTime

ROLES = ("owner", "admin", "member")
ADMIN_ROLES = ("owner", "admin")  # who may see and change the account: plan, seats, orders
SUBSCRIPTION_STATUSES = ("pending", "active", "past_due", "expired", "cancelled")
# A subscription in one of these states is the organisation's "current" one.
CURRENT_STATUSES = ("pending", "active", "past_due")
# The products a fresh database starts with (migration 0002 inserts the same rows).
DEFAULT_PRODUCTS = (
    {"code": "building", "name": "Tomps Building", "audience": "https://building.tomps.example"},
    {"code": "project", "name": "Tomps Project", "audience": "https://project.tomps.example"},
    {"code": "asset", "name": "Tomps Asset", "audience": "https://asset.tomps.example"},
)


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    legal_name: Mapped[str | None] = mapped_column(String(300))
    tax_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    billing_email: Mapped[str | None] = mapped_column(String(320))
    # IANA zone the pages show this organisation's times in (None: default_timezone);
    # stored times stay UTC.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Members must use a second factor (TOTP); set by `idp security require-totp`.
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Bumped by database triggers in the transaction of every change an entitlement is read
    # from (storage/triggers.py); the entitlement cache is keyed by it (orgs/cache.py).
    entitlement_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organization_id", "user_id", name="uq_memberships_org_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    # Seats go to the longest-standing members first (ordered by this, then id).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The organisation the person picked last (skips the picker next time).
    last_chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(lazy="joined")


class Product(db.Model):
    __tablename__ = "products"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # building / project / asset
    name: Mapped[str] = mapped_column(String(100))
    # The RFC 8707 resource / access-token audience of the product's APIs.
    audience: Mapped[str] = mapped_column(String(500), unique=True)


class Plan(db.Model):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[int] = mapped_column(Integer, default=1)
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    period_days: Mapped[int] = mapped_column(Integer, default=30)
    # {"seats": int|None, "projects": int|None, "assets": int|None, "storage_gb": int|None}
    limits: Mapped[dict] = mapped_column(JSON, default=dict)
    # Product codes the plan includes, e.g. ["building", "project"].
    products: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class Subscription(db.Model):
    __tablename__ = "subscriptions"
    __table_args__ = (
        # At most one current subscription per organisation, enforced by the database.
        Index("uq_subscriptions_one_current", "organization_id", unique=True,
              postgresql_where=text("status IN ('pending', 'active', 'past_due')"),
              sqlite_where=text("status IN ('pending', 'active', 'past_due')")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    status: Mapped[str] = mapped_column(String(16))
    current_period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The customer cancelled: the paid time runs out, then the subscription is cancelled
    # instead of expired (billing/lifecycle.py); resumable until then.
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    plan: Mapped[Plan] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship()


class SubscriptionPeriod(db.Model):
    """The renewal history: one row per paid (or granted) period."""

    __tablename__ = "subscription_periods"
    # A paid order extends a subscription at most once (duplicate gateway callbacks change nothing).
    __table_args__ = (Index("uq_subscription_periods_order_id", "order_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    # The billing order that paid for it (None when granted by an operator).
    order_id: Mapped[int | None] = mapped_column(Integer)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
