"""idp audit: read the audit log (tail, search)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click

from .output import emit, fail, json_option, with_app

COLUMNS = ["at", "type", "outcome", "reason", "user_id", "email", "client_id", "ip"]
_RELATIVE = re.compile(r"^(\d{1,6})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str) -> datetime:
    """``30m`` / ``2h`` / ``7d`` ago, or an ISO date or date-time (UTC when no zone)."""
    from .. import clock

    match = _RELATIVE.match(value.strip())
    if match:
        return clock.now() - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"--since: expected 30m, 2h, 7d or an ISO date, got {value[:40]!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _show(events, as_json: bool) -> None:
    from ..audit import describe

    rows = [describe(e) for e in events]
    if as_json:
        emit(rows, True)
        return
    for row in rows:
        row["at"] = row["at"][:19].replace("T", " ") + "Z"
    emit(rows, False, COLUMNS)


@click.group()
def audit():
    """The audit log: who did what, when, from where."""


@audit.command()
@click.option("-n", "count", type=click.IntRange(1, 10000), default=20, show_default=True)
@json_option
@with_app
def tail(count, as_json):
    """The latest events, oldest first."""
    from ..audit import search

    _show(search(limit=count), as_json)


@audit.command("search")
@click.option("--user", "email", help="Events of this person (by email).")
@click.option("--client", "client_id", help="Events of this client_id.")
@click.option("--type", "type_", help="An event type, or a prefix such as login.*")
@click.option("--since", help="30m, 2h, 7d, or an ISO date (UTC).")
@click.option("-n", "count", type=click.IntRange(1, 100000), default=1000, show_default=True)
@json_option
@with_app
def search_(email, client_id, type_, since, count, as_json):
    """Events matching every filter given."""
    from ..accounts.users import find_by_email
    from ..audit import search

    user_id = None
    if email:
        user = find_by_email(email)
        if user is None:
            fail(f"no user with email {email[:80]!r}")
        user_id = user.id
    _show(search(user_id=user_id, client_id=client_id, type=type_,
                 since=parse_since(since) if since else None, limit=count), as_json)
