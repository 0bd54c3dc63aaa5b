"""The audit log: who did what, when, from where, and on what it was decided.

Rows are written by ``idp.audit.record`` in their own transaction; they have no
foreign keys, so deleting a person or a client never erases their history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ... import clock
from ...extensions import db
from ..types import UTCDateTime


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    # "success", "failure", "denied"... (free text, short)
    outcome: Mapped[str | None] = mapped_column(String(32))
    # The private reason (never shown to the client): bad_password, locked, replay...
    reason: Mapped[str | None] = mapped_column(String(200))
    # Scrubbed context, e.g. the entitlement snapshot a token decision was made on.
    detail: Mapped[dict | None] = mapped_column(JSON)
