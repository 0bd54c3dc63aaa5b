"""idp subscriptions: start, change-plan, extend, cancel, show."""

import click

from ..orgs.outbox import follow_up
from .output import emit, json_option, note_follow_up, with_app


def _described(org) -> dict:
    """``subscriptions show`` plus ``follow_up``: "pending" while relying parties are
    still to be told about lost access (the worker retries it), else "done"."""
    from ..orgs.organizations import get_organization
    from ..orgs.subscriptions import show as describe

    return {**describe(org), "follow_up": follow_up(get_organization(org).id)}


def _print(org, as_json, message):
    from ..orgs.organizations import get_organization

    if as_json:
        emit(_described(org), True)
        return
    click.echo(message)
    note_follow_up(get_organization(org).id)


@click.group()
def subscriptions():
    """An organisation's subscription (ORG is an id or a name)."""


@subscriptions.command()
@click.argument("org")
@click.argument("plan")
@json_option
@with_app
def start(org, plan, as_json):
    """Start an active subscription now (refused when one is current)."""
    from ..orgs.subscriptions import start as begin

    sub = begin(org, plan)
    _print(org, as_json, f"started {plan} until {sub.current_period_end:%Y-%m-%d %H:%M}Z")


@subscriptions.command("change-plan")
@click.argument("org")
@click.argument("plan")
@json_option
@with_app
def change_plan(org, plan, as_json):
    """Move the current subscription to another plan in place (upgrade or downgrade)."""
    from ..orgs.subscriptions import change_plan as change

    change(org, plan)
    _print(org, as_json, f"moved to plan {plan}")


@subscriptions.command()
@click.argument("org")
@click.option("--days", type=int, help="Default: the plan's period_days.")
@json_option
@with_app
def extend(org, days, as_json):
    """Add time from the current period end."""
    from ..orgs.subscriptions import extend as prolong

    sub = prolong(org, days)
    _print(org, as_json, f"extended until {sub.current_period_end:%Y-%m-%d %H:%M}Z")


@subscriptions.command()
@click.argument("org")
@json_option
@with_app
def cancel(org, as_json):
    """Cancel now: members lose the plan's products at once."""
    from ..orgs.subscriptions import cancel as stop

    stop(org)
    _print(org, as_json, "cancelled")


@subscriptions.command()
@click.argument("org")
@json_option
@with_app
def show(org, as_json):
    """Show the subscription and its periods."""
    data = _described(org)
    if as_json:
        emit(data, True)
        return
    emit({k: v for k, v in data.items() if k != "periods"}, False)
    click.echo("")
    emit(data["periods"], False, ["start", "end", "order_id", "cancelled_at"])
