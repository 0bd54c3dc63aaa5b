"""Back-channel logout deliveries: enqueue, claim, record, replay (Back-Channel Logout 1.0).

A logout only enqueues: one Postgres row per client (the delivery log) and
its id in the store's ``backchannel:queue`` sorted set, scored by when it is
due. Workers pop due ids (``zpop_due``: each id to one worker), claim the row
with one conditional UPDATE, sign a fresh logout token per attempt (a retry
must not carry an expired one) and record every attempt. Failures retry with
exponential backoff; after ``backchannel_max_attempts`` the row is dead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from .. import clock
from ..clients.registry import find_client
from ..crypto.envelope import EnvelopeError
from ..errors import IdPError
from ..extensions import db
from ..keystore.signer import NoSigningKey
from ..storage.models import BackchannelAttempt, BackchannelDelivery
from ..storage.store import get_store
from ..storage.transaction import transaction
from . import logout_token
from .sender import Result, Send

log = logging.getLogger("idp.backchannel")

QUEUE = "backchannel:queue"
RETRYABLE = ("pending", "failed")
# A claimed row is hidden from other workers this long (longer than any one attempt).
LEASE_SECONDS = 120


class DeliveryError(IdPError):
    """Bad input for a delivery operation (unknown id...); the message is safe to show."""


def _settings():
    return current_app.config["IDP"]


def schedule(delivery_id: int, due: datetime) -> None:
    get_store().zadd(QUEUE, str(delivery_id), due.timestamp())


def add(sid: str, user_id: int, client_ids, reason: str) -> list[BackchannelDelivery]:
    """Add a delivery row for each of ``client_ids`` with a back-channel URI (not committed).

    The caller commits (one unit of work), then calls ``schedule_rows``.
    """
    targets = [c for c in (find_client(cid) for cid in client_ids or ()) if c is not None
               and c.backchannel_logout_uri]
    now = clock.now()
    rows = [BackchannelDelivery(sid=sid, user_id=user_id, client_id=c.client_id,
                                reason=reason[:64], next_attempt_at=now, created_at=now)
            for c in targets]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def schedule_rows(rows: list[BackchannelDelivery]) -> list[int]:
    """Put committed rows on the queue, due now; return their ids."""
    for row in rows:
        schedule(row.id, row.next_attempt_at)
        log.info("back-channel logout queued: delivery=%s client=%s reason=%s",
                 row.id, row.client_id, row.reason)
    return [row.id for row in rows]


def enqueue(sid: str, user_id: int, client_ids, reason: str) -> list[int]:
    """Queue a logout token for each of ``client_ids`` that has a back-channel URI."""
    with transaction():
        rows = add(sid, user_id, client_ids, reason)
    return schedule_rows(rows)


def claim(delivery_id: int) -> BackchannelDelivery | None:
    """Take a due delivery for one attempt (one conditional UPDATE: one worker wins)."""
    now = clock.now()
    lease = max(LEASE_SECONDS, 4 * _settings().backchannel_timeout)
    with transaction() as session:
        won = session.execute(
            update(BackchannelDelivery)
            .where(BackchannelDelivery.id == delivery_id,
                   BackchannelDelivery.status.in_(RETRYABLE),
                   BackchannelDelivery.next_attempt_at <= now)
            .values(attempts=BackchannelDelivery.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=lease))
            .returning(BackchannelDelivery.id)
            .execution_options(synchronize_session=False)
        ).scalar()
    if won is None:
        _reschedule_if_waiting(delivery_id)
        return None
    return db.session.get(BackchannelDelivery, delivery_id, populate_existing=True)


def _reschedule_if_waiting(delivery_id: int) -> None:
    # Popped a little early, or leased by a worker that may die: keep it on the queue.
    row = db.session.get(BackchannelDelivery, delivery_id, populate_existing=True)
    if row is not None and row.status in RETRYABLE:
        schedule(row.id, row.next_attempt_at)


def prepare(row: BackchannelDelivery) -> Send | None:
    """Sign this attempt's logout token; None (attempt recorded as failed) when impossible."""
    client = find_client(row.client_id)
    if client is None or not client.backchannel_logout_uri:
        record(row, Result(row.id, None, "client has no back-channel logout URI any more", 0),
               retry=False)
        return None
    try:
        token, jti = logout_token.mint(client, row.sid, str(row.user_id))
    except (NoSigningKey, EnvelopeError) as exc:  # no usable key now: a retry may find one
        record(row, Result(row.id, None, f"cannot sign: {type(exc).__name__}: {exc}"[:200], 0))
        return None
    with transaction():
        row.jti = jti
    return Send(row.id, client.backchannel_logout_uri, token)


def backoff(attempts: int) -> int:
    s = _settings()
    return min(s.backchannel_retry_base * 2 ** max(attempts - 1, 0), s.backchannel_retry_max)


def record(row: BackchannelDelivery, result: Result, retry: bool = True) -> None:
    """Log one attempt and move the delivery on: delivered, retry later, or dead."""
    now = clock.now()
    with transaction() as session:
        session.add(BackchannelAttempt(delivery_id=row.id, attempted_at=now, jti=row.jti,
                                       status_code=result.status_code, error=result.error,
                                       duration_ms=result.duration_ms))
        row.last_status_code = result.status_code
        row.last_error = result.error
        if result.ok:
            row.status, row.delivered_at = "delivered", now
        elif retry and row.attempts < _settings().backchannel_max_attempts:
            row.status = "failed"
            row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts))
        else:
            row.status = "dead"
    if row.status == "failed":
        schedule(row.id, row.next_attempt_at)
    # Never the token: the client, the outcome and the attempt number only.
    log.log(logging.INFO if result.ok else logging.WARNING,
            "back-channel logout attempt: delivery=%s client=%s attempt=%s status=%s error=%s "
            "-> %s", row.id, row.client_id, row.attempts, result.status_code, result.error,
            row.status)


def redeliver(delivery_id: int) -> BackchannelDelivery:
    """Replay a delivery (typically a dead one): a fresh token, a fresh set of attempts."""
    row = db.session.get(BackchannelDelivery, delivery_id) if isinstance(delivery_id, int) else None
    if row is None:
        raise DeliveryError(f"no delivery {delivery_id!r}")
    now = clock.now()
    with transaction():
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now
        row.delivered_at = None
    schedule(row.id, now)
    log.info("back-channel logout requeued: delivery=%s client=%s", row.id, row.client_id)
    return row


def sweep(older_than: float = LEASE_SECONDS) -> int:
    """Put back on the queue every waiting row overdue by ``older_than`` seconds.

    The store may have lost the queue (the in-process store restarts empty,
    a worker died holding a lease); Postgres has not lost the rows.
    """
    cutoff = clock.now() - timedelta(seconds=older_than)
    rows = db.session.execute(
        select(BackchannelDelivery.id, BackchannelDelivery.next_attempt_at)
        .where(BackchannelDelivery.status.in_(RETRYABLE),
               BackchannelDelivery.next_attempt_at <= cutoff)).all()
    for delivery_id, due in rows:
        schedule(delivery_id, due)
    db.session.rollback()  # end the read transaction
    return len(rows)


def list_deliveries(failed_only: bool = False, limit: int = 100) -> list[BackchannelDelivery]:
    query = select(BackchannelDelivery).order_by(BackchannelDelivery.id.desc()).limit(limit)
    if failed_only:
        query = query.where(or_(BackchannelDelivery.status == "failed",
                                BackchannelDelivery.status == "dead"))
    return list(db.session.scalars(query))


def describe(row: BackchannelDelivery, with_attempts: bool = True) -> dict:
    """A delivery as scripts see it (never a token)."""
    data = {
        "id": row.id, "sid": row.sid, "user_id": row.user_id, "client_id": row.client_id,
        "reason": row.reason, "jti": row.jti, "status": row.status, "attempts": row.attempts,
        "last_status_code": row.last_status_code, "last_error": row.last_error,
        "next_attempt_at": row.next_attempt_at if row.status in RETRYABLE else None,
        "created_at": row.created_at, "delivered_at": row.delivered_at,
    }
    if with_attempts:
        data["attempt_log"] = [
            {"attempted_at": a.attempted_at, "status_code": a.status_code, "error": a.error,
             "duration_ms": a.duration_ms, "jti": a.jti} for a in row.attempt_log]
    return data
