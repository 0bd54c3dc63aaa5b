"""idp orgs: organisations and their members."""

import click

from .output import emit, fail, json_option, note_follow_up, with_app

ROLES = click.Choice(["owner", "admin", "member"])


def _info_options(func):
    for name in ("--billing-email", "--country", "--address", "--tax-id", "--legal-name"):
        func = click.option(name)(func)
    # The zone pages and reminder emails show this organisation's times in (default:
    # default_timezone, Asia/Jakarta); an IANA name such as Asia/Makassar.
    func = click.option("--timezone", help="IANA time zone, e.g. Asia/Makassar")(func)
    return func


@click.group()
def orgs():
    """Organisations (the companies that subscribe) and their members."""


@orgs.command()
@click.option("--name", required=True)
@_info_options
@json_option
@with_app
def create(name, legal_name, tax_id, address, country, billing_email, timezone, as_json):
    """Create an organisation; prints its id."""
    from ..orgs.organizations import create_organization

    org = create_organization(name, legal_name=legal_name, tax_id=tax_id, address=address,
                              country=country, billing_email=billing_email, timezone=timezone)
    emit({"id": org.id, "name": org.name}, True) if as_json \
        else click.echo(f"created organisation {org.name} (id {org.id})")


@orgs.command()
@click.argument("org")
@click.option("--name")
@_info_options
@json_option
@with_app
def update(org, name, legal_name, tax_id, address, country, billing_email, timezone, as_json):
    """Change the name or company info (an empty value clears a field)."""
    from ..orgs.organizations import describe, update_organization

    changed = update_organization(org, name=name, legal_name=legal_name, tax_id=tax_id,
                                  address=address, country=country, billing_email=billing_email,
                                  timezone=timezone)
    emit(describe(changed), True) if as_json else click.echo(f"updated {changed.name}")


@orgs.command("list")
@json_option
@with_app
def list_(as_json):
    """List organisations with their plan and member count."""
    from ..orgs.current import subscription_of
    from ..orgs.organizations import list_organizations, members

    rows = []
    for org in list_organizations():
        sub = subscription_of(org.id)
        rows.append({"id": org.id, "name": org.name, "members": len(members(org)),
                     "plan": sub.plan.code if sub else None, "status": sub.status if sub else None})
    emit(rows, as_json, ["id", "name", "members", "plan", "status"])


def _members(org) -> list[dict]:
    from ..orgs.organizations import members

    return [{"email": user.email, "user_id": user.id, "role": m.role, "joined_at": m.created_at}
            for m, user in members(org)]


@orgs.command()
@click.argument("org")
@json_option
@with_app
def show(org, as_json):
    """Show an organisation and its members (in seat order)."""
    from ..orgs.organizations import describe, get_organization

    found = get_organization(org)
    data = {**describe(found), "members": _members(found)}
    if as_json:
        emit(data, True)
        return
    emit({k: v for k, v in data.items() if k != "members"}, False)
    click.echo("")
    emit(data["members"], False, ["email", "role", "joined_at"])


@orgs.command("add-member")
@click.argument("org")
@click.argument("email")
@click.option("--role", type=ROLES, default="member", show_default=True)
@json_option
@with_app
def add_member(org, email, role, as_json):
    """Add a person (refused when the plan's seats are all taken)."""
    from ..orgs.organizations import add_member as add

    membership = add(org, email, role)
    out = {"organization_id": membership.organization_id, "user_id": membership.user_id,
           "email": email, "role": membership.role}
    emit(out, True) if as_json else click.echo(f"added {email} as {role}")


@orgs.command("remove-member")
@click.argument("org")
@click.argument("email")
@with_app
def remove_member(org, email):
    """Remove a person; they lose the organisation's products at once."""
    from ..orgs.organizations import get_organization
    from ..orgs.organizations import remove_member as remove

    remove(org, email)
    click.echo(f"removed {email}")
    note_follow_up(get_organization(org).id)


@orgs.command("set-role")
@click.argument("org")
@click.argument("email")
@click.argument("role", type=ROLES, required=False)
@click.option("--role", "role_option", type=ROLES, help="The same as the ROLE argument.")
@with_app
def set_role(org, email, role, role_option):
    """Change a member's role (owner, admin or member)."""
    from ..orgs.organizations import set_role as change

    chosen = {r for r in (role, role_option) if r}
    if len(chosen) != 1:
        fail("give one role: set-role ORG EMAIL ROLE")
    membership = change(org, email, chosen.pop())
    click.echo(f"{email} is now {membership.role}")
