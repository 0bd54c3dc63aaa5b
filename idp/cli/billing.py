"""idp billing run-due: expire lapsed subscriptions and stale orders, send due reminders."""

import click

from .output import emit, json_option, with_app


@click.group()
def billing():
    """Billing background jobs (`idp worker` runs them too)."""


@billing.command("run-due")
@json_option
@with_app
def run_due(as_json):
    """Run the billing jobs that are due now, once."""
    from ..billing.jobs import run_due as run

    emit(run(), as_json)
