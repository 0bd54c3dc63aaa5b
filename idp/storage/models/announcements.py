"""The outbox of lost access: one row per announcement still owed to the other parts.

A change that takes products away from people writes its row in the change's own
transaction (orgs/changes.py); the row is done once ``entitlements_changed`` was
delivered (refresh families revoked, back-channel logouts queued). Until then the
worker retries it with backoff: an outage between the commit and the announcement
delays it, never loses it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ... import clock
from ...extensions import db
from ..types import UTCDateTime


class EntitlementAnnouncement(db.Model):
    __tablename__ = "entitlement_announcements"
    __table_args__ = (Index("ix_entitlement_announcements_due", "done_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: the record outlives a deleted organisation.
    organization_id: Mapped[int] = mapped_column(Integer, index=True)
    reason: Mapped[str] = mapped_column(String(64))
    # {"<user id>": ["<product code>", ...]}: what each person can no longer use.
    lost_products: Mapped[dict] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
