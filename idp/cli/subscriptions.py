"""idp subscriptions: start, change-plan, extend, cancel, show."""

import sys

import click

from ..orgs.outbox import follow_up
from .output import CLIError, emit, json_option, note_follow_up, with_app


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


def _confirm(what: str, yes: bool, as_json: bool) -> None:
    """Say what will change (stderr, so stdout stays the output); on a terminal ask unless
    --yes. Without a terminal, or with --json, never ask: scripts keep working."""
    click.echo(what, err=True)
    if yes or as_json or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return
    if not click.confirm("Go ahead?", default=False, err=True):
        raise CLIError("nothing changed")


def _products_of(plan) -> set:
    return set(plan.products or [])


@subscriptions.command("change-plan")
@click.argument("org")
@click.argument("plan")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation on a terminal.")
@json_option
@with_app
def change_plan(org, plan, yes, as_json):
    """Move the current subscription to another plan in place, now (upgrade or downgrade);
    no charge, the period end does not move."""
    from ..extensions import db
    from ..orgs.current import current_subscription
    from ..orgs.organizations import get_organization
    from ..orgs.plans import get_plan
    from ..orgs.subscriptions import change_plan as change
    from ..storage.models import Plan

    from .. import clock
    from ..orgs import periods

    found, target = get_organization(org), get_plan(plan, offered=True)
    sub = current_subscription(found.id)
    now = sub and db.session.get(Plan, periods.plan_id_at(db.session, sub, clock.now()))
    if now is not None and now.id != target.id:  # the same plan: change() refuses it
        lost = sorted(_products_of(now) - _products_of(target))
        gained = sorted(_products_of(target) - _products_of(now))
        end = f"{sub.current_period_end:%Y-%m-%d %H:%M}Z" if sub.current_period_end else "-"
        _confirm(f"{found.name}: plan {now.code} -> {target.code} now, until {end} "
                 f"(period end unchanged); gains: {', '.join(gained) or 'nothing'}; "
                 f"loses now: {', '.join(lost) or 'nothing'}", yes, as_json)
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
@click.option("--at-period-end", is_flag=True,
              help="Run to the end of the paid time, then stop (resumable until then).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation on a terminal.")
@json_option
@with_app
def cancel(org, at_period_end, yes, as_json):
    """Cancel now: members lose the plan's products at once (or --at-period-end)."""
    from ..orgs.current import current_subscription
    from ..orgs.organizations import get_organization
    from ..orgs.subscriptions import cancel as stop
    from ..orgs.subscriptions import cancel_at_period_end

    found = get_organization(org)
    sub = current_subscription(found.id)
    if sub is not None:
        end = f"{sub.current_period_end:%Y-%m-%d %H:%M}Z" if sub.current_period_end else "-"
        products = ", ".join(sub.plan.products or []) or "nothing"
        _confirm(f"{found.name}: plan {sub.plan.code} ends at {end}; members keep "
                 f"{products} until then" if at_period_end else
                 f"{found.name}: plan {sub.plan.code} ends NOW (paid until {end}); members "
                 f"lose {products} now", yes, as_json)
    if at_period_end:
        sub = cancel_at_period_end(org)
        _print(org, as_json, f"cancels at {sub.current_period_end:%Y-%m-%d %H:%M}Z")
    else:
        stop(org)
        _print(org, as_json, "cancelled")


@subscriptions.command()
@click.argument("org")
@json_option
@with_app
def resume(org, as_json):
    """Undo cancel --at-period-end while the paid time runs."""
    from ..orgs.subscriptions import resume as go_on

    go_on(org)
    _print(org, as_json, "resumed")


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
