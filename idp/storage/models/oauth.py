"""Registered OAuth 2.0 / OpenID Connect clients."""

from __future__ import annotations

from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.util import scope_to_list
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ... import clock
from ...crypto.hashing import verify
from ...extensions import db
from ..types import UTCDateTime


class Client(ClientMixin, db.Model):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    # A slow hash (argon2id) of the secret; the secret is shown once at creation.
    secret_hash: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    confidential: Mapped[bool] = mapped_column(Boolean, default=True)
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    product: Mapped[str | None] = mapped_column(String(32))
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(Text)
    grant_types: Mapped[list] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(Text, default="")
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    id_token_signed_response_alg: Mapped[str | None] = mapped_column(String(16))
    access_token_signed_response_alg: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    # --- authlib.oauth2.rfc6749.ClientMixin ---
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # RFC 9700 §2.1: exact matching; with several URIs the request must name one.
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        allowed = set(scope_to_list(self.scope))
        return " ".join(s for s in scope_to_list(scope) if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        # RFC 9700 §4.1.3: exact string comparison, no pattern, no prefix.
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        # The plain argon2id check. The token, revocation and introspection endpoints
        # authenticate clients through oidc/client_auth.py, which remembers verified
        # secrets (client secrets: a verifier, not a slow hash on every request).
        if not self.secret_hash or not isinstance(client_secret, str) or len(client_secret) > 512:
            return False
        return verify(self.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        if endpoint == "token":
            return method == self.token_endpoint_auth_method
        # Revocation and introspection accept the client's registered method too.
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type):
        # Only the code flow, and only for clients registered for the code grant.
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types

    @property
    def is_public(self) -> bool:
        return not self.confidential


class RefreshToken(db.Model):
    """One refresh token of a rotation family (stored as an HMAC, never in plain text).

    Rotation marks ``rotated_at`` with one conditional UPDATE; a family shares
    ``family_id`` from the first token of an authorization onward.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        Index("ix_refresh_tokens_user_client", "user_id", "client_id"),
        # The rows still holding a sealed successor response (dropped after the grace window).
        Index("ix_refresh_tokens_sealed", "rotated_at",
              postgresql_where=text("successor_response IS NOT NULL"),
              sqlite_where=text("successor_response IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    # The signing kid of the tokens minted with this one (revoked with the key).
    kid: Mapped[str | None] = mapped_column(String(128), index=True)
    auth_time: Mapped[int | None] = mapped_column(Integer)
    amr: Mapped[list] = mapped_column(JSON, default=list)
    acr: Mapped[str | None] = mapped_column(String(32))
    organization_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The token response of the rotation that used this token, AES-GCM sealed; written in
    # the rotation's transaction so a retry inside the grace window finds it (refresh.py).
    successor_response: Mapped[str | None] = mapped_column(Text)

    def get_scope(self):
        return self.scope

    def check_client(self, client):
        return self.client_id == client.get_client_id()


class Consent(db.Model):
    """Scopes a person granted a third-party client (remembered; OIDC Core §3.1.2.4)."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class RevokedToken(db.Model):
    """A revoked access token's id, kept until the token expires (Redis caches the set)."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
