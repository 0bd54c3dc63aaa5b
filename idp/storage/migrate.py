"""Alembic, driven from the app (``idp db upgrade``, the embedded default, the tests)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from .. import resources
from ..extensions import db
from . import triggers


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.path("migrations")))
    return config


def upgrade(revision: str = "head") -> None:
    """Bring the schema of the current app's database up to ``revision``."""
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        if revision == "head" and connection.dialect.name == "sqlite":
            # Again at the head: a SQLite batch migration that rebuilt a table dropped them.
            triggers.install(connection)


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def differences() -> list:
    """What autogenerate would change: empty when models and migrations agree."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)
