"""idp orgs federation: an organisation signs in with its own OpenID Connect provider."""

import click

from .output import emit, fail, json_option, read_secret_stdin, with_app


@click.group()
def federation():
    """Per-organisation upstream sign-in (OIDC federation). See docs/federation.md."""


def _out(fed, as_json: bool) -> None:
    from ..federation.config import describe

    data = describe(fed)
    if as_json:
        emit(data, True)
        return
    flat = {**data, "organization": data["organization"]["name"],
            "domains": [d["domain"] + ("" if d["verified"] else " (unverified)")
                        for d in data["domains"]]}
    emit(flat, False)


@federation.command("set")
@click.argument("org")
@click.option("--issuer", required=True, help="The upstream's issuer (discovery at ISSUER/.well-known/openid-configuration).")
@click.option("--client-id", required=True, help="The client id registered at the upstream.")
@click.option("--client-secret-stdin", is_flag=True, help="Read the client secret from standard input.")
@click.option("--domain", "domains", multiple=True, required=True,
              help="An email domain of the organisation (repeat for more); verified by you.")
@click.option("--enforce/--no-enforce", default=False, show_default=True,
              help="People of these domains may not use a password here.")
@json_option
@with_app
def set_(org, issuer, client_id, client_secret_stdin, domains, enforce, as_json):
    """Connect ORG (id or name) to its provider; prints the redirect URI to register there."""
    from ..federation import upstream
    from ..federation.config import set_federation

    if not client_secret_stdin:
        fail("give the client secret on standard input with --client-secret-stdin")
    secret = read_secret_stdin("client secret")
    fed = set_federation(org, issuer=issuer, client_id=client_id, client_secret=secret,
                         domains=domains, enforce=enforce)
    upstream.forget(fed.issuer)
    _out(fed, as_json)


@federation.command()
@click.argument("org")
@json_option
@with_app
def show(org, as_json):
    """Show ORG's connection (never the secret) and the redirect URI to register upstream."""
    from ..federation.config import find

    fed = find(org)
    if fed is None:
        fail(f"organisation {org} has no federation")
    _out(fed, as_json)


@federation.command()
@click.argument("org")
@click.option("--enforce/--no-enforce", default=None,
              help="Also refuse passwords for these domains (default: as requested, off).")
@json_option
@with_app
def approve(org, enforce, as_json):
    """Approve an owner's request from the account page: verify its domains, make it active."""
    from ..federation.config import approve as approve_request

    _out(approve_request(org, enforce), as_json)


@federation.command()
@click.argument("org")
@with_app
def remove(org):
    """Disconnect ORG: its domains are free and passwords allowed again."""
    from ..federation.config import remove as disconnect

    disconnect(org)
    click.echo(f"removed the federation of {org}")
