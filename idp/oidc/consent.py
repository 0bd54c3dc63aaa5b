"""Remembered consent: the scopes a person granted a third-party client (OIDC Core §3.1.2.4)."""

from __future__ import annotations

from authlib.oauth2.rfc6749.util import scope_to_list
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..storage.models import Consent
from ..storage.transaction import transaction


def required(client, user_id: int, scope: str) -> bool:
    """Must the person be asked? First-party clients never ask."""
    if client.first_party:
        return False
    return not covers(user_id, client.client_id, scope)


def covers(user_id: int, client_id: str, scope: str) -> bool:
    row = _find(user_id, client_id)
    granted = set(scope_to_list(row.scope) or ()) if row else set()
    return row is not None and set(scope_to_list(scope) or ()) <= granted


def remember(user_id: int, client_id: str, scope: str) -> None:
    """Record a grant, adding these scopes to what was granted before."""
    try:
        _remember(user_id, client_id, scope)
    except IntegrityError:  # two tabs consented at once: the other row exists now
        _remember(user_id, client_id, scope)


def _remember(user_id: int, client_id: str, scope: str) -> None:
    with transaction() as session:
        row = _find(user_id, client_id)
        if row is None:
            session.add(Consent(user_id=user_id, client_id=client_id, scope=scope or ""))
            return
        merged = set(scope_to_list(row.scope) or ()) | set(scope_to_list(scope) or ())
        row.scope = " ".join(sorted(merged))


def _find(user_id: int, client_id: str) -> Consent | None:
    return db.session.scalar(select(Consent).where(Consent.user_id == user_id,
                                                   Consent.client_id == client_id))
