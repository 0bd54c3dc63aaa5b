"""Lost access is announced from a durable outbox: ``watch`` around every change.

``watch(org_ids, reason)`` wraps a change to those organisations (``with watch(...),
transaction():``). It reads what each member was granted before; just before the
change commits it reads what they are granted after and, for those who lost products,
writes ``entitlement_announcements`` rows *in the change's own transaction*. After the
commit it delivers them at once (outbox.py: ``idp.events.entitlements_changed``, whose
receivers revoke the refresh-token families and queue back-channel logouts). When that
fails (Redis unreachable, say) the rows stay pending and the worker retries them until
they are done; ``outbox.pending(org_id)`` tells the CLI and the payment webhook
whether a follow-up is still owed.

Cached entitlements need no step here: the change's own transaction bumps the
organisation's entitlement version (storage/triggers.py, orgs/cache.py).

Both sides are judged on the stored status (``lapse=False``): an expiry job turning a
lapsed ``active`` row into ``expired`` is exactly when the lost products are announced.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import clock
from ..extensions import db
from ..storage.models import EntitlementAnnouncement
from ..storage.transaction import inside_atomic
from . import outbox, snapshots
from .entitlements import SEAT_LIMIT, Entitlement, evaluate

_WATCHED = "idp.watched_changes"


def granted(organization_id: int) -> dict[int, Entitlement]:
    """Every member's entitlement as recorded (user_id → Entitlement), read fresh."""
    now = clock.now()
    return {uid: evaluate(snap, uid, organization_id, now, lapse=False)
            for uid, snap in snapshots.load_all(organization_id).items()}


class _Watch:
    """One watched change: what was granted before, and the rows it wrote at commit."""

    def __init__(self, organization_ids: list[int], reason: str):
        self.reason = reason
        self.before = {org: granted(org) for org in organization_ids}
        self.rows: list[EntitlementAnnouncement] = []
        self.recorded = False


@contextmanager
def watch(organization_ids, reason: str):
    """Announce, durably, what people of these organisations lose through the change inside."""
    _listen()
    change = _Watch(sorted(set(organization_ids)), reason)
    watched = db.session.info.setdefault(_WATCHED, [])
    watched.append(change)
    try:
        yield
    finally:
        if change in watched:
            watched.remove(change)
    # Inside an atomic unit of work nothing is committed yet: the worker delivers the rows
    # once it is (announcing a change that may still roll back would be wrong).
    if change.rows and not inside_atomic():
        outbox.deliver([row.id for row in change.rows])


def _record(session: Session) -> None:
    """before_commit: write the outbox rows of every watched change, in its transaction."""
    for change in session.info.get(_WATCHED, ()):
        if change.recorded:
            continue
        change.recorded = True
        for org, before in change.before.items():
            for why, lost in lost_products(before, granted(org), change.reason).items():
                change.rows.append(outbox.add(session, org, lost, why))
    if any(change.rows for change in session.info.get(_WATCHED, ())):
        session.flush()  # ids for the delivery after the commit


def _listen() -> None:
    """Hook ``_record`` into every session's commit, once per process (a second hook
    would find every change recorded already)."""
    if not event.contains(Session, "before_commit", _record):
        event.listen(Session, "before_commit", _record)


def lost_products(before: dict, after: dict, reason: str) -> dict[str, dict[int, set[str]]]:
    """{reason: {user_id: products lost}}: who lost what between two ``granted`` readings.

    A member who lost products because a seat limit now leaves them out is announced
    with ``seat_limit``; everyone else with the change's ``reason``.
    """
    groups: dict[str, dict[int, set[str]]] = defaultdict(dict)
    for user_id, was in before.items():
        now = after.get(user_id)
        lost = set(was.products) - set(now.products if now is not None else ())
        if lost:
            why = SEAT_LIMIT if now is not None and now.reason == SEAT_LIMIT and was.seat else reason
            groups[why][user_id] = lost
    return dict(groups)

