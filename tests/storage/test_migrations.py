"""Migrations and models agree, on Postgres and on SQLite."""

from idp.storage import migrate


def test_postgres_schema_matches_models(ctx):
    assert migrate.current_revision() == migrate.head_revision()
    assert migrate.differences() == []


def test_sqlite_upgrade_builds_the_same_schema(tmp_path):
    from tests.conftest import make_embedded_app

    app = make_embedded_app(tmp_path)
    with app.app_context():
        migrate.upgrade()
        assert migrate.current_revision() == migrate.head_revision()
        assert migrate.differences() == []
