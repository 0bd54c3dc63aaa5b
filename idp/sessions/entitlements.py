"""Entitlement changes end access: back-channel logout to the products a person lost.

``events.entitlements_changed`` says which products each person can no longer
use. Each of their live sessions sends a logout token to the session's
clients of those products only; the SSO session and its other clients live on.

Product-less clients (the account portal, tools not sold as a product) are
not logged out, not even when the person is removed from the organisation:
they serve the person's own account, which outlives any one organisation
membership, and nothing they show depends on the plan. What the person lost
through the organisation is exactly its products, and ``lost_products``
already names them. (The OIDC part revokes the matching refresh tokens.)

The delivery rows are committed here, together with whatever the sender has
pending: send ``entitlements_changed`` once your own changes are final.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from .. import events
from ..extensions import db
from ..storage.models import Client
from . import service, store

log = logging.getLogger("idp.sessions")


def _clients_of(products: set[str]) -> set[str]:
    if not products:
        return set()
    return set(db.session.scalars(select(Client.client_id).where(Client.product.in_(products))))


def on_entitlements_changed(sender, organization_id=None, user_ids=(), lost_products=None,
                            reason="entitlements_changed", **_extra) -> int:
    """Queue back-channel logouts for every lost product of every affected person."""
    queued = 0
    for user_id, products in (lost_products or {}).items():
        clients = _clients_of({str(p) for p in products or ()})
        if not clients:
            continue
        for session in store.list_for_user(user_id):
            queued += len(service.log_out_clients(session, clients, f"entitlement:{reason}"))
    if queued:
        log.info("entitlements changed in org %s (%s): %d back-channel logout(s) queued",
                 organization_id, reason, queued)
    return queued


def connect() -> None:
    """Subscribe to ``events.entitlements_changed`` (idempotent; called by create_app)."""
    events.entitlements_changed.connect(on_entitlements_changed, weak=False)
