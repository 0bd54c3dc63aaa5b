"""The audit log service: ``record(type, ...)`` writes one row, in its own transaction.

(``stage(type, ...)`` instead adds the row to the caller's unit of work: successes
recorded with the rows they describe.)

The row is inserted on a connection of its own and committed at once, so it
neither commits the caller's unfinished work nor disappears when the
caller's request rolls back — a denial is recorded even when the request
that was denied fails. ``detail`` is scrubbed: no password, secret, code,
token or assertion ever lands in the log.

Event types (``type``) — stable, documented in docs/hardening.md:
  login.succeeded, login.failed, login.locked (attempt refused while locked),
  account.locked, ip.locked, account.unlocked, account.disabled, account.enabled,
  account.password_changed, logout,
  totp.enrolled, totp.used, totp.failed, totp.removed, org.require_totp,
  passkey.registered, passkey.used, passkey.renamed, passkey.removed, passkey.failed,
  passkey.locked,
  session.ended, key.revoked, client.created, client.updated,
  client.secret_rotated, client.deleted;
  member.added, member.role_changed, member.removed, member.change_denied,
  invitation.sent, invitation.revoked, invitation.accepted (docs/members.md);
  for the OIDC, entitlement and billing parts: token.issued, token.refused,
  entitlement.denied, subscription.changed, key.* .
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from flask import current_app, has_request_context, request
from psycopg.types.json import Json
from sqlalchemy import Engine, create_engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from . import clock
from .extensions import db
from .storage import hot
from .storage.models import AuditEvent

log = logging.getLogger("idp.audit")

SCRUBBED = "[scrubbed]"
# Key words that mark a secret, matched against the parts of a key split on _ - . and space
# ("client_secret", "refresh-token", "password"), plus whole keys that name a one-time code.
_SECRET_WORDS = {"password", "passwd", "pwd", "secret", "token", "tokens", "assertion", "otp",
                 "totp", "cookie", "authorization", "credential", "credentials", "pin", "verifier"}
_SECRET_KEYS = {"code", "codes", "recovery_code", "recovery_codes", "user_code", "device_code",
                "authorization_code", "code_verifier"}
# A JWT/JWS compact serialisation anywhere in a value.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _secret_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SECRET_KEYS or bool(_SECRET_WORDS & set(re.split(r"[_\-. ]+", lowered)))


def scrub(value: Any) -> Any:
    """Return ``value`` with secret-named keys and token-shaped strings replaced."""
    if isinstance(value, dict):
        # A flag under a secret-sounding name ("require_totp": true) holds no secret.
        return {str(k): (SCRUBBED if _secret_key(str(k)) and not isinstance(v, (bool, type(None)))
                         else scrub(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return _JWT.sub(SCRUBBED, value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _JWT.sub(SCRUBBED, str(value))


def safe_email(email: Any) -> str | None:
    """The email as typed, only when it looks like one (people type passwords into it)."""
    if not isinstance(email, str) or not _EMAIL.match(email.strip()):
        return None
    return email.strip()[:320]


def client_ip() -> str | None:
    return (request.remote_addr or None) if has_request_context() else None


_engine_lock = threading.Lock()


def _engine() -> Engine:
    """The audit log's own small pool.

    A request holds one connection of the main pool while it records; taking the
    audit connection from that same pool could leave every thread holding one and
    waiting for a second. A separate pool cannot deadlock with the main one.
    """
    engine = current_app.extensions.get("idp.audit_engine")
    if engine is None:
        with _engine_lock:
            engine = current_app.extensions.get("idp.audit_engine")
            if engine is None:
                options = {"pool_pre_ping": True, "hide_parameters": True}
                if db.engine.dialect.name == "postgresql":
                    options.update(pool_size=2, max_overflow=8, pool_timeout=10)
                engine = create_engine(db.engine.url, **options)
                current_app.extensions["idp.audit_engine"] = engine
    return engine


def dispose() -> None:
    """Close the audit pool of the current app (tests, CLI commands)."""
    engine = current_app.extensions.pop("idp.audit_engine", None)
    if engine is not None:
        engine.dispose()


def record(type: str, *, user_id: int | None = None, email: str | None = None,
           client_id: str | None = None, ip: str | None = None, outcome: str | None = None,
           reason: str | None = None, detail: dict | None = None) -> None:
    """Append one event to the audit log (committed at once, whatever the caller does next)."""
    row = _row(type, user_id, email, client_id, ip, outcome, reason, detail)
    try:
        with _engine().begin() as connection:
            connection.execute(insert(AuditEvent).values(**row))
    except SQLAlchemyError as exc:
        # The log line says that an event was lost, not what it held.
        log.error("audit event %s not recorded: %s", type, exc.__class__.__name__)


def stage(type: str, *, user_id: int | None = None, client_id: str | None = None,
          outcome: str | None = None, reason: str | None = None, detail: dict | None = None) -> None:
    """Add one event to the caller's open transaction: it commits, or rolls back, with it.

    For successes that are one unit of work with what they record (``token.issued``
    with the token rows it describes): no second connection, no second commit.
    Refusals use ``record``: they must outlive the request's rollback.
    """
    row = _row(type, user_id, None, client_id, None, outcome, reason, detail)
    unit = hot.current()
    if unit is not None:  # gathered into the hot path's one statement (storage/hot.py)
        unit.put("audit", dict(row, detail=None if row["detail"] is None else Json(row["detail"])))
        return
    # On the session's connection, a plain Core INSERT with bound parameters: its
    # compiled form is cached (``.values(**row)`` through the ORM session recompiled it).
    db.session.connection().execute(insert(AuditEvent.__table__), row)



def _row(type, user_id, email, client_id, ip, outcome, reason, detail) -> dict:
    return {"at": clock.now(), "type": type[:64], "user_id": user_id, "email": safe_email(email),
            "client_id": str(client_id)[:64] if client_id else None,
            "ip": ip or client_ip() or None, "outcome": outcome and outcome[:32],
            "reason": reason and _JWT.sub(SCRUBBED, reason)[:200],
            "detail": scrub(detail) if detail is not None else None}


def search(*, user_id: int | None = None, client_id: str | None = None, type: str | None = None,
           since=None, limit: int = 100) -> list[AuditEvent]:
    """The newest ``limit`` events matching every given filter, oldest first.

    ``type`` matches exactly, or by prefix when it ends with ``.`` or ``*`` (``login.*``).
    """
    query = select(AuditEvent)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if client_id:
        query = query.where(AuditEvent.client_id == client_id)
    if type:
        prefix = type.rstrip("*")
        query = query.where(AuditEvent.type.startswith(prefix, autoescape=True)
                            if prefix.endswith(".") else AuditEvent.type == type)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    rows = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit))
    return list(reversed(list(rows)))


def describe(event: AuditEvent) -> dict:
    """An event as scripts see it."""
    return {"id": event.id, "at": event.at.isoformat(), "type": event.type,
            "user_id": event.user_id, "email": event.email, "client_id": event.client_id,
            "ip": event.ip, "outcome": event.outcome, "reason": event.reason,
            "detail": event.detail}


def _on_session_ended(sender, sid=None, user_id=None, clients=(), reason=None, **_):
    # The sid is a bearer value for the browser that held it: log a short prefix only.
    record("session.ended", user_id=user_id, outcome="success", reason=reason,
           detail={"session": (sid or "")[:8], "clients": list(clients or ())})


def _on_key_revoked(sender, kid=None, **_):
    record("key.revoked", outcome="success", detail={"kid": kid})


def subscribe_signals() -> None:
    """Audit what other parts announce (idempotent: blinker keeps one connection per receiver)."""
    from .events import key_revoked, session_ended

    session_ended.connect(_on_session_ended, weak=False)
    key_revoked.connect(_on_key_revoked, weak=False)
