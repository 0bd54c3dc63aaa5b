"""Migrations and models agree, on Postgres and on SQLite."""

from pathlib import Path

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


def test_migration_files_sort_in_the_order_they_apply():
    """idp/migrations/versions/NNN_<rev>_<slug>.py: NNN is the place in the chain."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    chain = list(reversed(list(scripts.walk_revisions())))  # base first
    names = [Path(script.path).name for script in chain]
    expected = [f"{place:03d}_{script.revision}_" for place, script in enumerate(chain, start=1)]
    for name, prefix in zip(names, expected, strict=True):
        assert name.startswith(prefix), f"rename {name} to {prefix}..."
    assert sorted(names) == names
    assert chain[0].down_revision is None and len(scripts.get_heads()) == 1


def test_the_migrations_ship_inside_the_package():
    from idp import resources

    versions = resources.path("migrations", "versions")
    assert migrate.alembic_config().get_main_option("script_location") == \
        str(resources.path("migrations"))
    assert len(list(versions.glob("*.py"))) >= 9
