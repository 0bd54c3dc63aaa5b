"""Lost access is announced from a durable outbox: ``watch`` around every change.

``watch(org_ids, reason)`` wraps a change to those organisations (``with watch(...),
transaction():``). It reads what each member was granted before; just before the
change commits it reads what they are granted after and, for those who lost products,
writes ``entitlement_announcements`` rows *in the change's own transaction*. After the
commit it delivers them at once: ``idp.events.entitlements_changed``, whose receivers
revoke the refresh-token families and queue back-channel logouts. When that fails
(Redis unreachable, say) the rows stay pending and the worker retries them with
backoff until they are done (``deliver_due``); receivers are idempotent, so a row
delivered twice costs nothing. ``pending(org_id)`` tells the CLI and the payment
webhook whether a follow-up is still owed.

Cached entitlements need no step here: the change's own transaction bumps the
organisation's entitlement version (storage/triggers.py, orgs/cache.py).

Both sides are judged on the stored status (``lapse=False``): an expiry job turning a
lapsed ``active`` row into ``expired`` is exactly when the lost products are announced.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..events import entitlements_changed
from ..extensions import db
from ..storage.models import EntitlementAnnouncement
from ..storage.transaction import inside_atomic, transaction
from . import snapshots
from .entitlements import SEAT_LIMIT, Entitlement, evaluate

log = logging.getLogger("idp.orgs")

_WATCHED = "idp.watched_changes"
LEASE_SECONDS = 60  # a claimed row is hidden from other deliverers this long
RETRY_BASE, RETRY_MAX = 5, 300  # seconds: backoff between attempts, doubling up to the max


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
        deliver([row.id for row in change.rows])


def _record(session: Session) -> None:
    """before_commit: write the outbox rows of every watched change, in its transaction."""
    for change in session.info.get(_WATCHED, ()):
        if change.recorded:
            continue
        change.recorded = True
        for org, before in change.before.items():
            for why, lost in lost_products(before, granted(org), change.reason).items():
                change.rows.append(_add(session, org, lost, why))
    if any(change.rows for change in session.info.get(_WATCHED, ())):
        session.flush()  # ids for the delivery after the commit


_listening = False


def _listen() -> None:
    """Hook ``_record`` into every session's commit, once per process."""
    global _listening
    if not _listening:
        event.listen(Session, "before_commit", _record)
        _listening = True


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


def _add(session, organization_id: int, lost: dict[int, set[str]], reason: str):
    row = EntitlementAnnouncement(
        organization_id=organization_id, reason=reason[:64],
        lost_products={str(uid): sorted(products) for uid, products in sorted(lost.items())},
        attempts=0, next_attempt_at=clock.now(), created_at=clock.now())
    session.add(row)
    return row


def announce(organization_id: int, lost: dict[int, set[str]], reason: str) -> None:
    """Announce lost access for a change already committed elsewhere (outbox, then at once).

    Prefer ``watch``, which writes the row in the change's own transaction.
    """
    if not any(lost.values()):
        return
    with transaction() as session:
        row = _add(session, organization_id, {u: p for u, p in lost.items() if p}, reason)
        session.flush()
        row_id = row.id
    if not inside_atomic():
        deliver([row_id])


# --- delivery ----------------------------------------------------------------------------

def deliver(ids) -> int:
    """Try to deliver these outbox rows now; return how many were done."""
    return sum(_attempt(row_id) for row_id in ids)


def deliver_due(limit: int = 50) -> int:
    """The worker's job: deliver pending rows whose retry is due; return how many were tried."""
    ids = list(db.session.scalars(
        select(EntitlementAnnouncement.id)
        .where(EntitlementAnnouncement.done_at.is_(None),
               EntitlementAnnouncement.next_attempt_at <= clock.now())
        .order_by(EntitlementAnnouncement.id).limit(limit)))
    db.session.rollback()  # end the read
    for row_id in ids:
        _attempt(row_id)
    return len(ids)


def _claim(row_id: int) -> EntitlementAnnouncement | None:
    """Take a pending row for one attempt (one conditional UPDATE: one deliverer wins)."""
    now = clock.now()
    with transaction() as session:
        won = session.execute(
            update(EntitlementAnnouncement)
            .where(EntitlementAnnouncement.id == row_id, EntitlementAnnouncement.done_at.is_(None),
                   EntitlementAnnouncement.next_attempt_at <= now)
            .values(attempts=EntitlementAnnouncement.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
            .returning(EntitlementAnnouncement.id)
            .execution_options(synchronize_session=False)).scalar()
    if won is None:
        return None
    return db.session.get(EntitlementAnnouncement, row_id, populate_existing=True)


def _attempt(row_id: int) -> bool:
    row = _claim(row_id)
    if row is None:
        return False
    lost = {int(uid): set(products) for uid, products in row.lost_products.items()}
    error = _send(row.organization_id, lost, row.reason)
    if error is not None:
        _retry_later(row_id, error)
        log.warning("announcing lost access (row %s, org %s) failed; the worker retries it: %s",
                    row_id, row.organization_id, error.split(":")[0])
        return False
    with transaction():
        row.done_at, row.last_error = clock.now(), None
    return True


def _send(organization_id: int, lost: dict[int, set[str]], reason: str) -> str | None:
    """Call every receiver, each whatever the others did; the first error, or None.

    One receiver failing (the back-channel part needs Redis) must not keep the others
    (the OIDC part revokes refresh families in Postgres) from doing their share now.
    """
    sender = current_app._get_current_object()
    error = None
    for receiver in entitlements_changed.receivers_for(sender):
        try:
            receiver(sender, organization_id=organization_id, user_ids=sorted(lost),
                     lost_products=lost, reason=reason)
        except Exception as exc:  # noqa: BLE001 — whatever failed, the row is retried later
            db.session.rollback()
            error = error or f"{type(exc).__name__}: {exc}"[:500]
    return error


def _retry_later(row_id: int, error: str) -> None:
    row = db.session.get(EntitlementAnnouncement, row_id, populate_existing=True)
    delay = min(RETRY_BASE * 2 ** max(row.attempts - 1, 0), RETRY_MAX)
    with transaction():
        row.next_attempt_at, row.last_error = clock.now() + timedelta(seconds=delay), error


def pending(organization_id: int | None = None) -> int:
    """How many announcements are still owed (of one organisation, or in all)."""
    query = select(func.count()).select_from(EntitlementAnnouncement).where(
        EntitlementAnnouncement.done_at.is_(None))
    if organization_id is not None:
        query = query.where(EntitlementAnnouncement.organization_id == organization_id)
    return db.session.scalar(query)


def follow_up(organization_id: int | None = None) -> str:
    """"pending" while announcements are owed, else "done" (CLI and webhook output)."""
    return "pending" if pending(organization_id) else "done"


PENDING_NOTE = ("access changes are saved; notifying relying parties is pending and will be "
                "retried by `idp worker`")
