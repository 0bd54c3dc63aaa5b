"""Reactions of the OIDC part to events of other parts (idp.events).

- session_ended → that session's refresh-token families, except offline ones.
- key_revoked → families whose tokens the key signed.
- entitlements_changed → families of the affected people at clients of the
  products they lost (and at product-less clients when they left the organisation).
"""

from __future__ import annotations

from sqlalchemy import select

from .. import events
from ..extensions import db
from ..storage.models import Client
from . import refresh

# entitlements_changed reasons that mean the person left the organisation.
MEMBERSHIP_REMOVED = {"membership_removed", "member_removed"}
_connected = False


def on_session_ended(sender, sid=None, **_):
    if sid:
        refresh.revoke_for_session(sid)


def on_key_revoked(sender, kid=None, **_):
    if kid:
        refresh.revoke_for_kid(kid)


def on_entitlements_changed(sender, organization_id=None, user_ids=(), lost_products=None,
                            reason=None, **_):
    lost_products = lost_products or {}
    for user_id in set(user_ids or ()) | set(lost_products):
        products = set(lost_products.get(user_id) or ())
        clients = _clients_for(products, include_productless=reason in MEMBERSHIP_REMOVED)
        if clients:
            refresh.revoke_for_user(user_id, clients)


def _clients_for(products: set, include_productless: bool) -> list[str]:
    condition = Client.product.in_(products) if products else None
    if include_productless:
        none = Client.product.is_(None)
        condition = none if condition is None else (condition | none)
    if condition is None:
        return []
    return list(db.session.scalars(select(Client.client_id).where(condition)))


def connect() -> None:
    """Subscribe once per process (the receivers work on the current app)."""
    global _connected
    if _connected:
        return
    events.session_ended.connect(on_session_ended, weak=False)
    events.key_revoked.connect(on_key_revoked, weak=False)
    events.entitlements_changed.connect(on_entitlements_changed, weak=False)
    _connected = True
