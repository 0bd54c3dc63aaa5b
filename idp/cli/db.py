"""idp db: schema migrations (explicit; never silently at start outside the embedded default)."""

import click

from .output import emit, json_option, with_app


@click.group()
def db():
    """Database schema: upgrade, status, check."""


@db.command()
@json_option
@with_app
def upgrade(as_json):
    """Apply every migration (Postgres or SQLite)."""
    from ..storage import migrate

    before = migrate.current_revision()
    migrate.upgrade()
    after = migrate.current_revision()
    if as_json:
        emit({"from": before, "to": after}, True)
    else:
        click.echo(f"schema at {after}" + (" (already current)" if before == after else f" (was {before})"))


@db.command()
@json_option
@with_app
def status(as_json):
    """Show the current and head revisions."""
    from ..storage import migrate

    emit({"current": migrate.current_revision(), "head": migrate.head_revision()}, as_json)
