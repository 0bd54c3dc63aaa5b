"""The background worker (``idp worker``): one loop over an explicit list of jobs.

``JOBS`` names every job, in the order a round runs them; each returns how much it did
(0: nothing due) and is safe to run on several workers at once (a claim by conditional
UPDATE, a unique insert or a lease: each job's module says which):

- ``sessions.delivery.deliver_due``: back-channel logout tokens (Back-Channel Logout 1.0);
- ``orgs.outbox.deliver_due``: lost access announced until done (the durable outbox);
- ``billing.jobs.worker_job``: plans taking effect, expiry, stale orders, reminders;
- ``oidc.jobs.worker_job``: the authorization server's housekeeping (at most once a minute).

``run_once()`` processes what is due and returns (``idp worker --once``, cron,
tests); ``run_forever()`` loops until stopped (``idp worker``). In the embedded
default (no Redis, so no other process can see the in-process queue)
``idp serve`` starts the loop as a daemon thread in its one worker process
(``start_in_process``); ``create_app`` never does, so tests and CLI commands
run no hidden threads. The worker sits above every part it runs: nothing imports it
but the command line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .billing.jobs import worker_job as billing_round
from .extensions import db
from .oidc.jobs import worker_job as oidc_housekeeping
from .orgs.outbox import deliver_due as announce_lost_access
from .sessions import backchannel
from .sessions.delivery import deliver_due as deliver_logouts

log = logging.getLogger("idp.worker")

SWEEP_EVERY = 30.0  # seconds between sweeps of the delivery log in the loop

JOBS: tuple[Callable[[], int], ...] = (
    deliver_logouts,
    announce_lost_access,
    billing_round,
    oidc_housekeeping,
)


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
