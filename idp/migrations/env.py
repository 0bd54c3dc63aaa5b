"""Alembic environment: the metadata is idp's; the connection comes from the app."""

from alembic import context

from idp.extensions import db
from idp.storage import models  # noqa: F401  (registers every model)

config = context.config
target_metadata = db.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        user_module_prefix="idp.storage.types.",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # plain `alembic` on the command line: build the app to find the database
    from idp import create_app

    app = create_app()
    with app.app_context(), db.engine.begin() as conn:
        _run(conn)
