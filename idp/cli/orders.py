"""idp orders: create, show, list, mark-paid (finance confirmed a bank transfer)."""

import click

from .output import emit, json_option, with_app

COLUMNS = ["id", "gateway_order_id", "plan", "kind", "amount", "currency", "status", "created_at"]


@click.group()
def orders():
    """Orders for plans (payment confirmations move them to paid)."""


@orders.command()
@click.argument("org")
@click.argument("plan")
@json_option
@with_app
def create(org, plan, as_json):
    """Create an order awaiting payment for ORG (id or name) and PLAN (code)."""
    from ..billing.orders import create_order, describe
    from ..orgs.organizations import get_organization

    order, created = create_order(get_organization(org), plan)
    data = describe(order)
    if as_json:
        emit(data, True)
    else:
        verb = "created" if created else "already awaiting payment:"
        click.echo(f"{verb} order {order.id} ({order.gateway_order_id}) "
                   f"{order.amount} {order.currency}")


@orders.command()
@click.argument("order_id")
@json_option
@with_app
def show(order_id, as_json):
    """Show one order."""
    from ..billing.orders import describe, get_order

    emit(describe(get_order(order_id)), as_json)


@orders.command("list")
@click.option("--org", required=True, help="Organisation id or name.")
@json_option
@with_app
def list_(org, as_json):
    """List an organisation's orders, newest first."""
    from ..billing.orders import describe, list_orders
    from ..orgs.organizations import get_organization

    rows = [describe(o) for o in list_orders(get_organization(org).id)]
    emit(rows, as_json, COLUMNS)


@orders.command("mark-paid")
@click.argument("order_id")
@click.option("--reference", required=True, help="The bank transfer's reference.")
@json_option
@with_app
def mark_paid(order_id, reference, as_json):
    """Confirm payment of an order by bank transfer (starts or extends the subscription)."""
    from ..billing.orders import describe
    from ..billing.payments import mark_paid as pay

    order = pay(order_id, reference)
    if as_json:
        emit(describe(order), True)
    else:
        click.echo(f"order {order.id} paid (reference {order.payment_reference})")
