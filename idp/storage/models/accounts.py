"""People who log in."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ... import clock
from ...extensions import db
from ..types import UTCDateTime


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    # Lower-cased email: the unique key, so Alice@x and alice@x are one account.
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    given_name: Mapped[str | None] = mapped_column(String(120))
    family_name: Mapped[str | None] = mapped_column(String(120))
    locale: Mapped[str | None] = mapped_column(String(16))
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part) or self.email

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled people are never signed in
        return not self.disabled

    @property
    def subject(self) -> str:
        """The OIDC ``sub``: stable, never reassigned, not the email (OIDC Core §5.7)."""
        return str(self.id)
