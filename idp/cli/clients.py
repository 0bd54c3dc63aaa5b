"""idp clients: register and manage relying parties."""

import click

from .output import emit, json_option, with_app

AUTH_METHODS = click.Choice(["client_secret_basic", "client_secret_post", "none"])
PRODUCTS = click.Choice(["building", "project", "asset"])


@click.group()
def clients():
    """Relying parties (OAuth clients)."""


@clients.command()
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--post-logout-redirect-uri", "logout_uris", multiple=True)
@click.option("--backchannel-logout-uri")
@click.option("--public", is_flag=True, help="A public client (no secret; PKCE).")
@click.option("--first-party", is_flag=True, help="A Tomps app: no consent screen.")
@click.option("--product", type=PRODUCTS)
@click.option("--auth-method", type=AUTH_METHODS)
@click.option("--grant-type", "grant_types", multiple=True,
              type=click.Choice(["authorization_code", "refresh_token", "client_credentials"]))
@click.option("--scope", help="Space-separated scopes the client may ask for.")
@click.option("--id-token-alg", type=click.Choice(["RS256", "PS256", "ES256", "EdDSA"]))
@click.option("--client-id", help="Choose the client_id (default: random).")
@json_option
@with_app
def create(name, redirect_uris, logout_uris, backchannel_logout_uri, public, first_party, product,
           auth_method, grant_types, scope, id_token_alg, client_id, as_json):
    """Register a client; prints client_id (and client_secret, once)."""
    from ..clients.registry import DEFAULT_SCOPE, create_client

    client, secret = create_client(
        name, list(redirect_uris), public=public, first_party=first_party, product=product,
        auth_method=auth_method, post_logout_redirect_uris=list(logout_uris),
        backchannel_logout_uri=backchannel_logout_uri, grant_types=list(grant_types) or None,
        scope=scope or DEFAULT_SCOPE, id_token_signed_response_alg=id_token_alg, client_id=client_id)
    out = {"client_id": client.client_id}
    if secret:
        out["client_secret"] = secret
    if as_json:
        emit(out, True)
    else:
        click.echo(f"client_id:     {client.client_id}")
        if secret:
            click.echo(f"client_secret: {secret}")
            click.echo("(the secret is shown once; store it now)")


@clients.command("list")
@json_option
@with_app
def list_(as_json):
    """List clients."""
    from ..clients.registry import describe, list_clients

    rows = [describe(c) for c in list_clients()]
    emit(rows, as_json, ["client_id", "name", "public", "first_party", "product", "redirect_uris"])


@clients.command()
@click.argument("client_id")
@json_option
@with_app
def show(client_id, as_json):
    """Show one client."""
    from ..clients.registry import describe, get_client

    emit(describe(get_client(client_id)), as_json)


@clients.command()
@click.argument("client_id")
@click.option("--name")
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--post-logout-redirect-uri", "logout_uris", multiple=True)
@click.option("--backchannel-logout-uri")
@click.option("--first-party/--third-party", default=None)
@click.option("--product", type=PRODUCTS)
@click.option("--scope")
@click.option("--id-token-alg", type=click.Choice(["RS256", "PS256", "ES256", "EdDSA"]))
@json_option
@with_app
def update(client_id, name, redirect_uris, logout_uris, backchannel_logout_uri, first_party,
           product, scope, id_token_alg, as_json):
    """Change a client (given options replace what is registered)."""
    from ..clients.registry import describe, update_client

    client = update_client(
        client_id, name=name, redirect_uris=list(redirect_uris) or None,
        post_logout_redirect_uris=list(logout_uris) or None,
        backchannel_logout_uri=backchannel_logout_uri, first_party=first_party,
        product=product, scope=scope, id_token_signed_response_alg=id_token_alg)
    emit(describe(client), as_json) if as_json else click.echo(f"updated {client.client_id}")


@clients.command("rotate-secret")
@click.argument("client_id")
@json_option
@with_app
def rotate_secret(client_id, as_json):
    """Issue a new secret (the old one stops working now)."""
    from ..clients.registry import rotate_secret as rotate

    client, secret = rotate(client_id)
    emit({"client_id": client.client_id, "client_secret": secret}, as_json) if as_json \
        else click.echo(f"client_secret: {secret}\n(the secret is shown once; store it now)")


@clients.command()
@click.argument("client_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_app
def delete(client_id, yes):
    """Delete a client."""
    from ..clients.registry import delete_client, get_client

    get_client(client_id)
    if not yes:
        click.confirm(f"Delete client {client_id}?", abort=True)
    delete_client(client_id)
    click.echo(f"deleted {client_id}")
