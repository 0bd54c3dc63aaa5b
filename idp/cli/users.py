"""idp users: create, list, set-password, disable, enable."""

import click

from .output import emit, fail, json_option, read_secret_stdin, with_app


def _describe(user) -> dict:
    return {"id": user.id, "email": user.email, "given_name": user.given_name,
            "family_name": user.family_name, "locale": user.locale,
            "email_verified": user.email_verified, "disabled": user.disabled,
            "created_at": user.created_at}


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return read_secret_stdin()
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def users():
    """People who sign in."""


@users.command()
@click.option("--email", required=True)
@click.option("--name", help="Full name: given name, then family name.")
@click.option("--given-name")
@click.option("--family-name")
@click.option("--locale")
@click.option("--verified", is_flag=True, help="Mark the email as verified.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="Create without a password (cannot sign in yet).")
@json_option
@with_app
def create(email, name, given_name, family_name, locale, verified, password_stdin, no_password, as_json):
    """Create a person (the password comes from a prompt or --password-stdin, never argv)."""
    from ..accounts.users import create_user, find_by_email, validate_email

    validate_email(email)
    if find_by_email(email) is not None:
        fail(f"a user with email {email!r} already exists")
    if name and not (given_name or family_name):
        given_name, _, family_name = name.strip().partition(" ")
    password = None if no_password else _password(password_stdin)
    user = create_user(email, password, given_name or None, family_name or None, locale, verified)
    emit(_describe(user), as_json) if as_json else click.echo(f"created user {user.email} (id {user.id})")


@users.command("list")
@json_option
@with_app
def list_(as_json):
    """List people."""
    from ..accounts.users import list_users

    rows = [_describe(u) for u in list_users()]
    emit(rows, as_json, ["id", "email", "given_name", "family_name", "disabled", "email_verified"])


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True)
@with_app
def set_password(email, password_stdin):
    """Set a person's password."""
    from ..accounts.users import get_user
    from ..accounts.users import set_password as set_pw

    get_user(email)
    set_pw(email, _password(password_stdin))
    click.echo(f"password changed for {email}")


@users.command()
@click.argument("email")
@json_option
@with_app
def disable(email, as_json):
    """Disable a person: no more sign-ins, sessions end."""
    from ..accounts.users import set_disabled
    from ..sessions import service

    user = set_disabled(email, True)
    ended = service.end_all_for_user(user.id, reason=service.USER_DISABLED)
    emit({"email": user.email, "disabled": True, "sessions_ended": ended}, as_json) if as_json \
        else click.echo(f"disabled {user.email}; ended {ended} session(s)")


@users.command()
@click.argument("email")
@with_app
def enable(email):
    """Enable a disabled person."""
    from ..accounts.users import set_disabled

    set_disabled(email, False)
    click.echo(f"enabled {email}")


@users.command()
@click.argument("email")
@click.option("--ip", "address", help="Also lift the lock of this client IP address.")
@json_option
@with_app
def unlock(email, address, as_json):
    """Lift a login lockout of an email address (known or not) and forget its failures."""
    import ipaddress

    from .. import audit
    from ..accounts import lockout
    from ..accounts.users import find_by_email, validate_email

    validate_email(email)
    if address:
        try:
            address = str(ipaddress.ip_address(address))
        except ValueError:
            fail(f"not an IP address: {address[:60]!r}")
    was_locked = lockout.unlock(lockout.account(email))
    ip_was_locked = lockout.unlock(lockout.ip(address)) if address else None
    user = find_by_email(email)
    audit.record("account.unlocked", user_id=user.id if user else None, email=email,
                 ip=address, outcome="success", reason="operator")
    out = {"email": email, "was_locked": was_locked}
    if address:
        out.update(ip=address, ip_was_locked=ip_was_locked)
    emit(out, as_json) if as_json else click.echo(
        f"unlocked {email}" if was_locked else f"{email} was not locked; failures cleared")


@users.command("remove-totp")
@click.argument("email")
@with_app
def remove_totp(email):
    """Remove a person's second factor (they lost their phone and recovery codes)."""
    from .. import audit
    from ..accounts import totp
    from ..accounts.users import get_user

    user = get_user(email)
    if not totp.remove(user.id):
        fail(f"{email} has no second factor")
    audit.record("totp.removed", user_id=user.id, outcome="success", reason="operator")
    click.echo(f"removed the second factor of {email}")


@users.group("passkeys")
def passkeys_group():
    """A person's passkeys (WebAuthn credentials): list, remove."""


@passkeys_group.command("list")
@click.argument("email")
@json_option
@with_app
def passkeys_list(email, as_json):
    """List the passkeys of EMAIL (locked ones show locked_at)."""
    from ..accounts import passkeys
    from ..accounts.users import get_user

    user = get_user(email)
    rows = [passkeys.describe(p) for p in passkeys.list_for(user.id)]
    emit(rows, as_json, ["id", "name", "credential_id", "created_at", "last_used_at",
                         "locked_at"])


@passkeys_group.command("remove")
@click.argument("email")
@click.argument("passkey")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@with_app
def passkeys_remove(email, passkey, yes, as_json):
    """Remove the passkey PASSKEY (its id, credential id or name) of EMAIL.

    The operator's removal is for a lost or compromised device: it is allowed even when
    it is the person's last second factor (their organisation's policy then sends them
    to set up two-step verification at their next password sign-in).
    """
    import sys

    from ..accounts import passkeys
    from ..accounts.users import get_user

    user = get_user(email)
    row = passkeys.find(user.id, passkey)
    if row is None:
        fail(f"{email} has no passkey {passkey[:80]!r}")
    if not yes and sys.stdin is not None and sys.stdin.isatty():
        click.confirm(f"Remove the passkey {row.name!r} of {email}?", abort=True)
    gone = passkeys.remove(user.id, row.id, by="operator", enforce_policy=False)
    emit({"removed": gone, "email": user.email}, as_json) if as_json else click.echo(
        f"removed the passkey {gone['name']!r} of {email}")
