"""CLI plumbing: the app context, tables or JSON, one-line errors.

Only the project's own error type (``IdPError``) becomes the one-line message of bad
input (exit 1, nothing changed). Anything else is a bug and is shown as one: the
traceback and "internal error", exit ``INTERNAL_ERROR`` (70).
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from datetime import datetime

import click
from sqlalchemy.exc import DBAPIError, OperationalError

from ..errors import INTERNAL_ERROR, IdPError


class CLIError(click.ClickException):
    """A one-line failure: printed as ``idp: message``, exit 1, nothing changed."""

    def show(self, file=None):
        click.echo(f"idp: {self.message}", err=True)


def fail(message: str) -> None:
    raise CLIError(message)


def one_line(exc: IdPError) -> CLIError:
    """The CLI's one line for an IdPError (a configuration error lists every problem)."""
    problems = getattr(exc, "problems", None)
    return CLIError("configuration: " + "; ".join(problems) if problems else str(exc))


def internal_error(exc: BaseException) -> click.exceptions.Exit:
    """A bug: print its traceback and say so; exit INTERNAL_ERROR, never a "bad input" line."""
    traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"idp: internal error ({type(exc).__name__}); this is a bug, not bad input",
               err=True)
    return click.exceptions.Exit(INTERNAL_ERROR)


def make_app(**overrides):
    from ..app import create_app

    try:
        return create_app(overrides or None, announce=lambda line: click.echo(line, err=True))
    except IdPError as exc:
        raise one_line(exc) from None


def with_app(func):
    """Run the command inside an app context; IdPError becomes one line, a bug a traceback."""

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
            except IdPError as exc:
                raise one_line(exc) from None
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except Exception as exc:  # noqa: BLE001 — a bug: shown as one, never as bad input
                db.session.rollback()
                raise internal_error(exc) from None
            finally:
                _close(app)

    return wrapper


def note_follow_up(organization_id: int | None = None) -> None:
    """After a change: say so plainly when notifying relying parties is still pending."""
    from ..orgs.outbox import PENDING_NOTE, follow_up

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


def read_secret_stdin(what: str = "password") -> str:
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        fail(f"no {what} on standard input")
    return value


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
