"""Per-organisation upstream sign-in (OIDC federation): the connection, its email domains,
and the upstream identities (issuer, sub) linked to our people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ... import clock
from ...extensions import db
from ..types import UTCDateTime

# active: set (or approved) by the operator, used at login; requested: an owner asked from
# the web, waiting for the operator (`idp orgs federation approve`), never used at login.
FEDERATION_STATUSES = ("active", "requested")


class OrgFederation(db.Model):
    __tablename__ = "org_federations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    # AES-GCM under the key-encryption key, bound to the organisation (crypto/envelope.py).
    client_secret_sealed: Mapped[str] = mapped_column(Text)
    # People of these domains may not use a password here.
    enforce: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class FederationDomain(db.Model):
    """An email domain claimed by one organisation: the primary key makes it unique across all."""

    __tablename__ = "federation_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)  # lower-case, IDNA
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    # Only the operator verifies a domain (`--domain` on the CLI, or approving a request).
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class FederatedIdentity(db.Model):
    """An upstream account (issuer, sub) linked to one of our people (OIDC Core §5.7: the
    pair is the only stable identifier; the email may change upstream)."""

    __tablename__ = "federated_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_federated_identities_issuer_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(320))  # as last seen upstream
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
