"""idp security: organisation security policy (require a second factor)."""

import click

from .output import emit, json_option, with_app


@click.group()
def security():
    """Security policy of organisations."""


@security.command("require-totp")
@click.argument("org")
@click.option("--on/--off", "required", default=True, show_default=True,
              help="Require (or stop requiring) a second factor for every member.")
@json_option
@with_app
def require_totp(org, required, as_json):
    """Make members of ORG (id or name) use TOTP; those without it enrol at their next login."""
    from ..orgs.organizations import require_totp as set_policy

    organization = set_policy(org, required)
    out = {"id": organization.id, "name": organization.name, "require_totp": required}
    emit(out, as_json) if as_json else click.echo(
        f"{organization.name}: second factor {'required' if required else 'optional'}")
