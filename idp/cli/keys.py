"""idp keys: list, generate, rotate, retire, revoke, purge, export and rewrap signing keys."""

from __future__ import annotations

import functools
import os
import select
import sys

import click

from .output import emit, fail, json_option, with_app

# A kid is an RFC 7638 thumbprint (base64url), so one in 64 starts with "-": read an
# unknown "-..." word as the KID argument rather than as an option (and keep "-h" out of
# the way: "-oh..." would otherwise ask for help).
KID_ARGUMENT = {"ignore_unknown_options": True, "help_option_names": ["--help"]}
COLUMNS = ["kid", "alg", "state", "age", "created_at", "activated_at", "retired_at"]


def keystore_errors(func):
    """An unreachable store: one line, not a traceback (a wrong KEK is an IdPError already)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..storage.store import StoreUnavailable

        try:
            return func(*args, **kwargs)
        except StoreUnavailable as exc:
            fail(f"store unavailable: {str(exc)[:200]}")

    return wrapper


@click.group()
def keys():
    """Signing keys (runbook: docs/keys-runbook.md)."""


@keys.command("list")
@json_option
@with_app
@keystore_errors
def list_(as_json):
    """List every key with its state and age."""
    from ..keystore.keys import all_keys, describe
    from ..keystore.rotation import human_age

    rows = [describe(row) for row in all_keys()]
    for row in rows:
        row["age"] = human_age(row["age_seconds"])
    emit(rows, as_json, COLUMNS)


@keys.command()
@click.option("--alg", default=None, help="RS256 (default), PS256, ES256 or EdDSA.")
@json_option
@with_app
@keystore_errors
def generate(alg, as_json):
    """Generate a key as `next` (published now, signing after a rotation)."""
    from ..keystore.keys import describe
    from ..keystore.rotation import format_utc, signs_from
    from ..keystore.rotation import generate as make

    row = make(alg)
    out = dict(describe(row), signs_from=signs_from(row))
    emit(out, True) if as_json else click.echo(
        f"published {row.alg} key {row.kid} as next; it may sign from {format_utc(signs_from(row))}")


@keys.command()
@click.option("--alg", default=None, help="Which algorithm's keys (default: RS256).")
@click.option("--force", is_flag=True, help="Emergency: activate a key published too recently.")
@click.option("--if-older-than", "older", metavar="DURATION",
              help="Only when the active key is older than this (30d, 12h...): for cron.")
@json_option
@with_app
@keystore_errors
def rotate(alg, force, older, as_json):
    """next → active, active → retired; publish a new next key."""
    from ..keystore.rotation import parse_duration
    from ..keystore.rotation import rotate as turn

    threshold = parse_duration(older) if older is not None else None
    outcome = turn(alg, force=force, if_older_than=threshold)
    emit(outcome.as_dict(), True) if as_json else click.echo(outcome.message)


@keys.command(context_settings=KID_ARGUMENT)
@click.argument("kid")
@json_option
@with_app
@keystore_errors
def retire(kid, as_json):
    """Retire a `next` key (stays published until purged; never signs)."""
    from ..keystore.keys import describe
    from ..keystore.rotation import retire as stop

    row = stop(kid)
    emit(describe(row), True) if as_json else click.echo(f"retired {row.kid}")


@keys.command(context_settings=KID_ARGUMENT)
@click.argument("kid")
@json_option
@with_app
@keystore_errors
def revoke(kid, as_json):
    """Emergency: withdraw a key now; its tokens stop validating."""
    from ..keystore.revocation import revoke as withdraw

    out = withdraw(kid)
    if as_json:
        emit(out, True)
        return
    click.echo(f"revoked {out['kid']} ({out['alg']}, was {out['was']})"
               + (f"; {out['activated']} is active now" if out["activated"] else ""))


@keys.command()
@json_option
@with_app
@keystore_errors
def purge(as_json):
    """Drop retired keys older than the longest token lifetime."""
    from ..keystore.rotation import purge as drop

    kids = drop()
    emit({"removed": kids}, True) if as_json else click.echo(
        f"removed {len(kids)} retired key(s)" + (": " + ", ".join(kids) if kids else ""))


@keys.command()
@click.option("--public", is_flag=True, help="The public JWKS (the only export there is).")
@json_option
@with_app
@keystore_errors
def export(public, as_json):
    """Print the JWKS (public members only) on standard output."""
    from ..keystore.jwks import jwks_document

    if not public:
        fail("only `export --public` exists: private keys never leave the keystore")
    emit(jwks_document(), True)


@keys.command()
@click.option("--new-key-file", type=click.Path(dir_okay=False),
              help="A file holding the new key-encryption key.")
@click.option("--new-key-stdin", is_flag=True, help="Read the new key-encryption key from stdin.")
@json_option
@with_app
@keystore_errors
def rewrap(new_key_file, new_key_stdin, as_json):
    """Re-encrypt every key, TOTP secret and upstream client secret under a new key-encryption
    key (default: the current one)."""
    from ..accounts import totp
    from ..federation import config as federation
    from ..keystore.kek import decode_kek
    from ..keystore.keys import kek
    from ..keystore.rewrap import rewrap as reseal
    from ..storage.transaction import transaction

    text = _new_kek_text(new_key_file, new_key_stdin)
    old = kek()
    new = decode_kek(text) if text is not None else old
    with transaction(atomic=True):  # one unit of work: signing keys and second factors move together
        kids = reseal(new)
        secrets = totp.rewrap(old, new)
        upstream = federation.rewrap(old, new)
    if as_json:
        emit({"rewrapped": kids, "totp_secrets": secrets, "federation_secrets": upstream}, True)
        return
    click.echo(f"re-encrypted {len(kids)} key(s), {secrets} TOTP secret(s) and {upstream} "
               "upstream client secret(s)"
               + ("; now set IDP_KEY_ENCRYPTION_KEY to the new key on every instance"
                  if text is not None else " under the current key-encryption key"))


def _new_kek_text(path, from_stdin) -> str | None:
    """The new KEK: --new-key-file, --new-key-stdin, IDP_NEW_KEY_ENCRYPTION_KEY, or piped in."""
    if path and from_stdin:
        fail("give --new-key-file or --new-key-stdin, not both")
    if path:
        try:
            with open(path) as fh:
                return fh.read()
        except OSError as exc:
            fail(f"cannot read {path}: {exc.strerror}")
    if from_stdin:
        return sys.stdin.readline()
    return os.environ.get("IDP_NEW_KEY_ENCRYPTION_KEY") or _piped_stdin()


def _piped_stdin() -> str | None:
    """A KEK piped in (`... | idp keys rewrap`); None for a terminal or nothing sent."""
    if sys.stdin is None or sys.stdin.isatty():
        return None
    try:
        ready, _, _ = select.select([sys.stdin], [], [], 1.0)
        if not ready:
            return None
    except (OSError, ValueError):
        pass  # not a real file (an in-process runner): just read it
    return sys.stdin.readline().strip() or None
