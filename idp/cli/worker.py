"""idp worker: the background jobs of idp/worker.py (back-channel logout, lost access,
billing, housekeeping)."""

from __future__ import annotations

import signal
import threading

import click

from .output import with_app


@click.command()
@click.option("--once", is_flag=True, help="Process what is due now, then exit (cron, tests).")
@with_app
def worker(once):
    """Run the background worker: back-channel logout, lost access, billing, housekeeping."""
    from flask import current_app

    from ..worker import run_forever, run_once

    if once:
        click.echo(f"processed {run_once()} item(s)")
        return
    app = current_app._get_current_object()
    if app.config["IDP"].embedded_store:
        click.echo("note: without IDP_REDIS_URL this worker only finds what the delivery log holds "
                   "(after a delay); `idp serve` runs its own worker in-process", err=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("worker running (Ctrl-C to stop)", err=True)
    run_forever(app, stop)
