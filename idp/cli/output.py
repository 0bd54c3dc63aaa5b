"""CLI plumbing: the app context, tables or JSON, one-line errors."""

from __future__ import annotations

import functools
import json
import sys
from datetime import datetime

import click
from sqlalchemy.exc import DBAPIError, OperationalError

from ..config import ConfigError


class CLIError(click.ClickException):
    """A one-line failure: printed as ``idp: message``, exit 1, nothing changed."""

    def show(self, file=None):
        click.echo(f"idp: {self.message}", err=True)


def fail(message: str) -> None:
    raise CLIError(message)


def make_app(**overrides):
    from ..app import create_app
    from ..keystore.envelope import EnvelopeError
    from ..keystore.kek import KeyEncryptionKeyError

    try:
        return create_app(overrides or None, announce=lambda line: click.echo(line, err=True))
    except ConfigError as exc:
        raise CLIError("configuration: " + "; ".join(exc.problems)) from None
    except (KeyEncryptionKeyError, EnvelopeError) as exc:
        raise CLIError(str(exc)) from None


def with_app(func):
    """Run the command inside an app context; turn expected failures into one line."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..extensions import db

        app = make_app()
        with app.app_context():
            try:
                return func(*args, **kwargs)
            except (OperationalError, DBAPIError) as exc:
                db.session.rollback()
                reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
                raise CLIError(f"database error: {reason}") from None
            except ValueError as exc:  # service-level input errors (UserError, ClientError...)
                raise CLIError(str(exc)) from None
            finally:
                _close(app)

    return wrapper


def follow_up(organization_id: int | None = None) -> str:
    """"pending" while announcing lost access is owed (of one organisation, or any), else "done"."""
    from ..orgs.outbox import follow_up as owed

    return owed(organization_id)


def note_follow_up(organization_id: int | None = None) -> None:
    """After a change: say so plainly when notifying relying parties is still pending."""
    from ..orgs.outbox import PENDING_NOTE

    if follow_up(organization_id) == "pending":
        click.echo(PENDING_NOTE)


def _close(app) -> None:
    """Give back the command's database connections and stop its store listeners at once
    (a long-lived caller, such as a test run or a cron wrapper, would otherwise hold them)."""
    from .. import audit
    from ..extensions import db

    db.session.remove()
    db.engine.dispose()
    audit.dispose()
    for unsubscribe in app.extensions.get("idp.unsubscribe", []):
        unsubscribe()


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def emit(data, as_json: bool, columns: list[str] | None = None) -> None:
    """Print ``data`` as JSON (for scripts) or as a table / key: value lines (for people)."""
    if as_json:
        click.echo(json.dumps(data, indent=2, default=_default))
        return
    if isinstance(data, list):
        _table(data, columns or (list(data[0]) if data else []))
    elif isinstance(data, dict):
        width = max((len(k) for k in data), default=0)
        for key, value in data.items():
            click.echo(f"{key.ljust(width)}  {_cell(value)}")
    else:
        click.echo(str(data))


def _cell(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    return "-" if value is None or value == "" else str(value)


def _table(rows: list[dict], columns: list[str]) -> None:
    if not rows:
        click.echo("(none)")
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


def read_secret_stdin() -> str:
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        fail("no password on standard input")
    return value


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
