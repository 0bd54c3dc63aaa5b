"""idp sessions: list, revoke, revoke-all, deliveries, redeliver."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from .output import emit, fail, json_option, with_app


def _time(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _describe(session, email: str) -> dict:
    return {"sid": session.sid, "user_id": session.user_id, "email": email,
            "auth_time": _time(session.auth_time), "amr": session.amr, "acr": session.acr,
            "clients": session.clients, "created_at": _time(session.created_at),
            "last_seen": _time(session.last_seen),
            "idle_expires_at": _time(session.idle_expires_at()),
            "expires_at": _time(session.absolute_expires_at())}


@click.group()
def sessions():
    """SSO sessions and their back-channel logout deliveries."""


@sessions.command("list")
@click.option("--user", "email", required=True, help="The person's email.")
@json_option
@with_app
def list_(email, as_json):
    """List a person's live sessions."""
    from ..accounts.users import get_user
    from ..sessions import store

    user = get_user(email)
    rows = [_describe(s, user.email) for s in store.list_for_user(user.id)]
    emit(rows, as_json, ["sid", "auth_time", "last_seen", "expires_at", "amr", "clients"])


@sessions.command()
@click.argument("sid")
@json_option
@with_app
def revoke(sid, as_json):
    """End one session (its clients get a back-channel logout)."""
    from ..sessions import service

    ended = service.end_session(sid, reason=service.ADMIN_REVOKE)
    if ended is None:
        fail(f"no live session {sid[:64]!r}")
    data = {"sid": ended.sid, "user_id": ended.user_id, "clients": ended.clients}
    emit(data, as_json) if as_json else click.echo(f"ended session {ended.sid}")


@sessions.command("revoke-all")
@click.option("--user", "email", required=True, help="The person's email.")
@json_option
@with_app
def revoke_all(email, as_json):
    """End every session of a person."""
    from ..accounts.users import get_user
    from ..sessions import service

    user = get_user(email)
    ended = service.end_all_for_user(user.id, reason=service.ADMIN_REVOKE)
    emit({"email": user.email, "sessions_ended": ended}, as_json) if as_json \
        else click.echo(f"ended {ended} session(s) of {user.email}")


@sessions.command()
@click.option("--failed", is_flag=True, help="Only failed (retrying) and dead deliveries.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@json_option
@with_app
def deliveries(failed, limit, as_json):
    """Show back-channel logout deliveries, newest first."""
    from ..sessions import backchannel

    rows = [backchannel.describe(r, with_attempts=as_json)
            for r in backchannel.list_deliveries(failed_only=failed, limit=limit)]
    emit(rows, as_json, ["id", "client_id", "status", "attempts", "last_status_code",
                         "last_error", "reason", "created_at"])


@sessions.command()
@click.argument("delivery_id", metavar="ID", type=int)
@json_option
@with_app
def redeliver(delivery_id, as_json):
    """Queue a delivery again with a fresh logout token."""
    from ..sessions import backchannel

    row = backchannel.redeliver(delivery_id)
    emit(backchannel.describe(row), as_json) if as_json \
        else click.echo(f"requeued delivery {row.id} to {row.client_id}")
