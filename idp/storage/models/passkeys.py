"""Passkeys (WebAuthn public-key credentials): one row per registered credential."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ... import clock
from ...extensions import db
from ..types import UTCDateTime


class Passkey(db.Model):
    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The credential id as base64url (WebAuthn §6.1: at most 1023 bytes → 1364 characters).
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    # The COSE_Key of the credential (WebAuthn §6.5.1.1): public, no secret.
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The last signature counter seen (WebAuthn §6.1.1); 0 when the authenticator keeps none.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # The user handle the credential was created with (base64url), checked at sign-in.
    user_handle: Mapped[str] = mapped_column(String(128))
    transports: Mapped[list] = mapped_column(JSON, default=list)
    # Backup eligible (BE flag, WebAuthn §6.1): a synced, multi-device passkey.
    backup_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the signature counter went backwards (a cloned authenticator): refused from then on.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
