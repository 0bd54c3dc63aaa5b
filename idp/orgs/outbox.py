"""The outbox of lost access: deliver ``entitlement_announcements`` rows until done.

A row is written in the transaction of the change that took products away
(changes.py). Delivering it sends ``idp.events.entitlements_changed``: the OIDC part
revokes refresh-token families, the sessions part queues back-channel logouts. Each
receiver runs whatever the others did, and the row is done only when all succeeded;
otherwise it is retried with backoff (``RETRY_BASE`` doubling up to ``RETRY_MAX``,
without limit) by the worker (``deliver_due``). A deliverer claims a row with one
conditional UPDATE and a lease, so attempts do not overlap; the receivers are
idempotent (revoking twice changes nothing, a second logout token is harmless).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from .. import clock
from ..events import entitlements_changed
from ..extensions import db
from ..storage.models import EntitlementAnnouncement
from ..storage.transaction import transaction

log = logging.getLogger("idp.orgs")

LEASE_SECONDS = 60  # a claimed row is hidden from other deliverers this long
RETRY_BASE, RETRY_MAX = 5, 300  # seconds: backoff between attempts, doubling up to the max
PENDING_NOTE = ("access changes are saved; notifying relying parties is pending and will be "
                "retried by `idp worker`")


def add(session, organization_id: int, lost: dict[int, set[str]], reason: str):
    """Add a pending row to ``session`` (the caller's transaction commits it)."""
    row = EntitlementAnnouncement(
        organization_id=organization_id, reason=reason[:64],
        lost_products={str(uid): sorted(products) for uid, products in sorted(lost.items())},
        attempts=0, next_attempt_at=clock.now(), created_at=clock.now())
    session.add(row)
    return row


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
