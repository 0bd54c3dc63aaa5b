"""The background worker: back-channel logout delivery (and room for other parts' jobs).

``run_once()`` processes what is due and returns (``idp worker --once``, cron,
tests); ``run_forever()`` loops until stopped (``idp worker``). In the embedded
default (no Redis, so no other process can see the in-process queue)
``idp serve`` starts the loop as a daemon thread in its one worker process
(``start_in_process``); ``create_app`` never does, so tests and CLI commands
run no hidden threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import current_app

from .. import clock
from ..extensions import db
from ..storage.store import get_store
from . import backchannel
from .sender import post_all

log = logging.getLogger("idp.worker")

# Ids taken per round: at most four waves of concurrent sends, so a round stays far
# shorter than the lease that hides its rows from other workers.
WAVES = 4
SWEEP_EVERY = 30.0  # seconds between sweeps of the delivery log in the loop


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


# Jobs the worker runs each round; each returns how much it did (0: nothing due).
# Other parts append theirs (expiry, reminders) at app start.
JOBS: list[Callable[[], int]] = [deliver_due]


def run_once(max_rounds: int = 50) -> int:
    """Process everything due now, then return how many items were handled."""
    backchannel.sweep(older_than=0)
    total = 0
    for _ in range(max_rounds):
        done = sum(job() for job in JOBS)
        total += done
        if not done:
            break
    return total


def _round(app, sweep: bool) -> int:
    with app.app_context():
        try:
            if sweep:
                backchannel.sweep()
            return sum(job() for job in JOBS)
        except Exception:
            log.exception("worker round failed; retrying")
            db.session.rollback()
            return 0
        finally:
            db.session.remove()


def run_forever(app, stop: threading.Event) -> None:
    """Loop until ``stop`` is set: sweep now and then, run the jobs, sleep when idle."""
    with app.app_context():
        backchannel.sweep(older_than=0)  # what a previous run left behind
        poll = app.config["IDP"].worker_poll_interval
        db.session.remove()
    last_sweep = time.monotonic()
    while not stop.is_set():
        sweep = time.monotonic() - last_sweep >= SWEEP_EVERY
        if sweep:
            last_sweep = time.monotonic()
        if not _round(app, sweep):
            stop.wait(poll)


def start_in_process(app) -> tuple[threading.Thread, threading.Event]:
    """Run the worker loop as a daemon thread of this process (the embedded default)."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop), name="idp-worker",
                              daemon=True)
    thread.start()
    log.info("in-process worker started")
    return thread, stop
