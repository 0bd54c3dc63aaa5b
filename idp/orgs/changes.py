"""Every change to an organisation's entitlement records goes through ``watch``.

``watch(org_ids, reason)`` wraps a change: after it commits it invalidates the
cached entitlements of those organisations (on every instance), then compares
what each member was granted before and after and sends
``idp.events.entitlements_changed`` for those who lost products. Both sides are
judged on the stored status (``lapse=False``): an expiry job turning a lapsed
``active`` row into ``expired`` is exactly when the lost products are announced.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager

from flask import current_app

from .. import clock
from ..events import entitlements_changed
from . import cache, snapshots
from .entitlements import SEAT_LIMIT, Entitlement, evaluate


def granted(organization_id: int) -> dict[int, Entitlement]:
    """Every member's entitlement as recorded (user_id → Entitlement), read fresh."""
    now = clock.now()
    return {uid: evaluate(snap, uid, organization_id, now, lapse=False)
            for uid, snap in snapshots.load_all(organization_id).items()}


@contextmanager
def watch(organization_ids, reason: str):
    """Invalidate and announce lost access around a change to these organisations."""
    org_ids = sorted(set(organization_ids))
    before = {org: granted(org) for org in org_ids}
    yield
    cache.invalidate(*org_ids)
    for org in org_ids:
        announce(org, before[org], granted(org), reason)


def announce(organization_id: int, before: dict, after: dict, reason: str) -> None:
    """Send entitlements_changed once per reason for the members who lost products."""
    groups: dict[str, dict[int, set[str]]] = defaultdict(dict)
    for user_id, was in before.items():
        now = after.get(user_id)
        lost = set(was.products) - set(now.products if now is not None else ())
        if lost:
            why = SEAT_LIMIT if now is not None and now.reason == SEAT_LIMIT and was.seat else reason
            groups[why][user_id] = lost
    for why, lost_products in groups.items():
        entitlements_changed.send(current_app._get_current_object(),
                                  organization_id=organization_id,
                                  user_ids=sorted(lost_products), lost_products=lost_products,
                                  reason=why)
