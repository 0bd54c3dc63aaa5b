"""The organisation's sign-in audit: who of its members signed in, when, and how.

Read from the audit log (``login.succeeded`` rows, whose detail holds the ``amr`` of the
sign-in). The method is named from the amr (RFC 8176 values, plus our ``fed``):
``federated`` (the organisation's own provider), ``passkey`` (``hwk``/``swk`` with
``user``), ``password_otp`` (``pwd`` + ``otp``), ``password``.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..storage.models import AuditEvent, Membership, User

METHODS = ("federated", "passkey", "password_otp", "password", "other")


def method(amr) -> str:
    """The sign-in method an amr list stands for."""
    values = set(amr or ())
    if "fed" in values:
        return "federated"
    if values & {"hwk", "swk"}:
        return "passkey"
    if "pwd" in values and "otp" in values:
        return "password_otp"
    if "pwd" in values:
        return "password"
    return "other"


def recent(organization_id: int, limit: int = 100) -> list[dict]:
    """The newest sign-ins of the organisation's members, newest first."""
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.detail, User.email)
        .join(User, User.id == AuditEvent.user_id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id,
               AuditEvent.type == "login.succeeded")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [{"at": at, "email": email, "method": method((detail or {}).get("amr")),
             "amr": list((detail or {}).get("amr") or [])} for at, detail, email in rows]
