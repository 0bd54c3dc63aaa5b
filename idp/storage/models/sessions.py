"""The back-channel logout delivery log: one row per (logout event, client), one per attempt.

The rows are the record of truth: the store's queue only schedules them, and a
worker that finds a pending row nobody scheduled puts it back on the queue.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ... import clock
from ...extensions import db
from ..types import UTCDateTime

# pending: not tried yet; failed: tried, a retry is scheduled; delivered; dead: retries exhausted.
DELIVERY_STATUSES = ("pending", "failed", "delivered", "dead")


class BackchannelDelivery(db.Model):
    __tablename__ = "backchannel_deliveries"
    __table_args__ = (Index("ix_backchannel_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), index=True)
    # No foreign keys: the log outlives deleted people and clients.
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(64), default="logout")
    # The jti of the last logout token sent (each attempt signs a fresh token).
    jti: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt_log: Mapped[list[BackchannelAttempt]] = relationship(
        back_populates="delivery", order_by="BackchannelAttempt.id", cascade="all, delete-orphan")


class BackchannelAttempt(db.Model):
    __tablename__ = "backchannel_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("backchannel_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    jti: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    delivery: Mapped[BackchannelDelivery] = relationship(back_populates="attempt_log")
