"""The worker's back-channel logout job: send every delivery that is due, one batch a call.

Ids are popped from the store's queue (each to one worker), claimed in Postgres, signed
and POSTed several at once (sender.py); each attempt is recorded (backchannel.py).
"""

from __future__ import annotations

from flask import current_app

from .. import clock
from ..storage.store import get_store
from . import backchannel
from .sender import post_all

# Ids taken per round: at most four waves of concurrent sends, so a round stays far
# shorter than the lease that hides its rows from other workers.
WAVES = 4


def deliver_due() -> int:
    """Send every back-channel logout due now (one batch); return how many were tried."""
    settings = current_app.config["IDP"]
    batch = WAVES * settings.backchannel_concurrency
    ids = get_store().zpop_due(backchannel.QUEUE, clock.now().timestamp(), batch)
    rows = [row for row in (backchannel.claim(int(i)) for i in ids if i.isdigit()) if row]
    jobs = [(row, send) for row in rows if (send := backchannel.prepare(row)) is not None]
    results = post_all([send for _, send in jobs], settings.backchannel_timeout,
                       settings.backchannel_concurrency)
    for (row, _), result in zip(jobs, results):
        backchannel.record(row, result)
    return len(ids)
