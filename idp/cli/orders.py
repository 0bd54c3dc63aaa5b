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
    from ..billing.payments import settle_free
    from ..orgs.organizations import get_organization

    order, created = create_order(get_organization(org), plan)
    order = settle_free(order)
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


@orders.command()
@click.argument("order_id")
@json_option
@with_app
def checkout(order_id, as_json):
    """A Midtrans Snap payment page for an order awaiting payment: {redirect_url}.

    A still-valid Snap token of the same order is reused."""
    from flask import current_app

    from ..billing.checkout import checkout as start
    from ..billing.orders import get_order

    order = get_order(order_id)
    issuer = current_app.config["IDP"].issuer or "http://127.0.0.1:5000"
    finish = (f"{issuer.rstrip('/')}/account/orders/{order.id}"
              f"?org={order.organization_id}")
    url = start(order, finish)
    if as_json:
        emit({"redirect_url": url}, True)
    else:
        click.echo(url)
