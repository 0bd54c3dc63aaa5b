"""TOTP second factor (RFC 6238): the sealed secret and the hashed recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ... import clock
from ...extensions import db
from ..types import UTCDateTime


class TotpCredential(db.Model):
    __tablename__ = "totp_credentials"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # AES-GCM under the key-encryption key, bound to the user id (crypto/envelope.py).
    secret_sealed: Mapped[str] = mapped_column(String(255))
    # The last RFC 6238 time step accepted: a code of that step or older is a replay.
    last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class RecoveryCode(db.Model):
    __tablename__ = "totp_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))  # argon2id, like passwords
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
