"""idp plans: what subscriptions buy."""

import click

from ..orgs.outbox import follow_up
from .output import emit, json_option, note_follow_up, with_app

COLUMNS = ["code", "name", "tier", "products", "seats", "period_days", "price", "currency", "active"]


def _plan_options(func):
    options = [
        click.option("--storage-gb", type=int, help="Storage limit in GB."),
        click.option("--assets", type=int, help="Asset limit."),
        click.option("--projects", type=int, help="Project limit."),
        click.option("--seats", type=int, help="Members who get access (longest-standing first)."),
        click.option("--tier", type=int, help="Rank for upgrade/downgrade (higher is more)."),
        click.option("--period-days", type=int, help="Length of one paid period."),
        click.option("--price", help="Price per period, e.g. 150000 or 99.50."),
        click.option("--currency", help="ISO 4217 code (default IDR)."),
    ]
    for option in options:
        func = option(func)
    return func


def _products(value):
    return None if value is None else [p.strip() for p in value.split(",")]


@click.group()
def plans():
    """Subscription plans: products, limits, price and period."""


@plans.command()
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--products", required=True, help="Comma-separated: building,project,asset")
@click.option("--free", is_flag=True, help="A plan that costs nothing (instead of --price).")
@_plan_options
@json_option
@with_app
def create(code, name, products, free, as_json, **options):
    """Create a plan: --price (and --currency, default IDR), or --free."""
    from ..orgs.plans import create_plan, describe

    options = {k: v for k, v in options.items() if v is not None}
    options.setdefault("period_days", 30)
    problems = []
    if free and options.get("price") is not None:
        problems.append("--free and --price exclude each other")
    elif not free and options.get("price") is None:
        problems.append("--price is required (or --free for a plan that costs nothing)")
    if free:
        options["price"] = "0"
    plan = create_plan(code, name, _products(products), problems=problems, **options)
    emit(describe(plan), True) if as_json else click.echo(f"created plan {plan.code}")


@plans.command("list")
@click.option("--active-only", is_flag=True, help="Hide deactivated plans.")
@json_option
@with_app
def list_(active_only, as_json):
    """List plans."""
    from ..orgs.plans import describe, list_plans

    emit([describe(p) for p in list_plans(not active_only)], as_json, COLUMNS)


@plans.command()
@click.argument("code")
@click.option("--name")
@click.option("--products", help="Comma-separated; replaces the plan's products.")
@_plan_options
@json_option
@with_app
def update(code, name, products, as_json, **options):
    """Change a plan; every organisation on it sees the change at once."""
    from ..orgs.plans import describe, update_plan

    plan = update_plan(code, name=name, products=_products(products), **options)
    if as_json:
        emit({**describe(plan), "follow_up": follow_up()}, True)
        return
    click.echo(f"updated plan {plan.code}")
    note_follow_up()


@plans.command()
@click.argument("code")
@with_app
def deactivate(code):
    """Stop offering a plan (current subscriptions on it run on)."""
    from ..orgs.plans import deactivate_plan

    deactivate_plan(code)
    click.echo(f"deactivated plan {code}")
    note_follow_up()
