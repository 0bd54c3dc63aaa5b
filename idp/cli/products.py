"""idp products: the suite's products and their resource audiences."""

import click

from .output import emit, json_option, with_app


@click.group()
def products():
    """Products (building, project, asset) and their access-token audiences."""


@products.command("list")
@json_option
@with_app
def list_(as_json):
    """List products: code, name, audience."""
    from ..orgs.products import describe, list_products

    emit([describe(p) for p in list_products()], as_json, ["code", "name", "audience"])


@products.command("set-audience")
@click.argument("code")
@click.argument("uri")
@json_option
@with_app
def set_audience(code, uri, as_json):
    """Set a product's audience (an absolute https URL, RFC 8707)."""
    from ..orgs.products import describe
    from ..orgs.products import set_audience as change

    product = change(code, uri)
    emit(describe(product), True) if as_json else click.echo(f"{product.code}: {product.audience}")
