"""Refused payment notifications: limited per source, capped per day, kept for a while.

Anyone can POST to the webhook, so what it keeps of a notification that fails
verification (malformed, bad signature, unknown order, wrong amount, not confirmed by
the gateway's Get Status) is bounded:

- each refusal counts against its source address; past
  ``payment_notification_failure_limit`` in ``payment_notification_failure_window``
  seconds the source is answered 429 with ``Retry-After`` before anything is parsed,
  and nothing is recorded (the counter is the shared fixed window of ratelimit.py);
- at most ``payment_notification_rejected_per_day`` refusals a day are recorded, over all
  sources (past that they are logged only): many addresses cannot fill the table either;
- the worker deletes refused rows older than ``payment_notification_retention``.

Without the shared store (Redis unreachable) nothing can be counted: a notification is
still let through to verification (Get Status decides, so a refund or a payment is not
held up by an outage), and a refusal is logged but not recorded, so the table stays
bounded. So at any time there are at most about rejected_per_day × (retention days + 1) refused
rows. Verified notifications are the payment record: neither counted nor deleted.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from .. import clock, ratelimit
from ..storage.models import PaymentNotification
from ..storage.store import StoreUnavailable
from ..storage.transaction import transaction

log = logging.getLogger("idp.billing")
DAY = 86400


def _source_key(source: str | None) -> str:
    return f"paynote:fail:{(source or 'unknown')[:64]}"


def check(source: str | None) -> None:
    """Raise RateLimited when ``source`` has used up its refusals in this window."""
    settings = current_app.config["IDP"]
    window = settings.payment_notification_failure_window
    try:
        used = ratelimit.count(_source_key(source), window)
    except StoreUnavailable:
        return  # cannot count: verification (Get Status) still decides
    if used >= settings.payment_notification_failure_limit:
        raise ratelimit.RateLimited(window - clock.timestamp() % window, "payment_notification")


def refuse(gateway: str, claimed: dict, order_id: int | None, outcome: str,
           source: str | None) -> None:
    """Count one refusal against ``source`` and record it while the limits allow."""
    settings = current_app.config["IDP"]
    log.warning("payment notification refused (%s, %s) from %s: order %s", gateway, outcome,
                source, str(claimed.get("order_id", "?"))[:64])
    try:
        within, _ = ratelimit.hit(_source_key(source), settings.payment_notification_failure_limit,
                                  settings.payment_notification_failure_window)
        recordable = within and ratelimit.hit("paynote:recorded",
                                              settings.payment_notification_rejected_per_day, DAY)[0]
    except StoreUnavailable:
        recordable = False  # nothing can be counted: logged above, not recorded
    if not recordable:
        return
    with transaction() as session:
        session.add(PaymentNotification(gateway=gateway, order_id=order_id, outcome=outcome[:32],
                                        raw=claimed, source_ip=(source or None) and source[:64],
                                        received_at=clock.now()))


def prune(now: datetime) -> int:
    """Delete refused notifications older than the retention period; return how many."""
    cutoff = now - timedelta(seconds=current_app.config["IDP"].payment_notification_retention)
    with transaction() as session:
        result = session.execute(delete(PaymentNotification).where(
            PaymentNotification.outcome.startswith("rejected"),
            PaymentNotification.received_at < cutoff))
    return result.rowcount or 0
