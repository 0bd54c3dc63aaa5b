"""Signing keys, private parts encrypted at rest (see idp/keystore)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ... import clock
from ...extensions import db
from ..types import UTCDateTime


class SigningKey(db.Model):
    __tablename__ = "signing_keys"
    __table_args__ = (
        # At most one active key per algorithm, enforced by the database
        # (a losing concurrent rotation fails here, not in application code).
        Index("uq_signing_keys_one_active", "alg", unique=True,
              postgresql_where=text("state = 'active'"),
              sqlite_where=text("state = 'active'")),
    )

    # RFC 7638 JWK thumbprint of the public key.
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    # next → active → retired → (removed); "revoked" for emergencies.
    state: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[dict] = mapped_column(JSON)
    # AES-256-GCM envelope of the private key (PKCS#8 PEM) under the key-encryption key.
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
