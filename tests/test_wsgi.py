"""The production entry point (`gunicorn idp.wsgi:app`) refuses to serve when it must not."""

import os
import secrets
import subprocess
import sys

import psycopg

from tests.conftest import PG_ADMIN, ROOT


def _import_wsgi(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import idp.wsgi"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def _env(settings_env, **changes) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(settings_env, PYTHONPATH=ROOT, IDP_ENV="production", IDP_ISSUER="https://id.example")
    env.pop("IDP_CONFIG", None)
    env.update(changes)
    return env


def test_serves_with_a_current_schema_and_its_keys(clean, settings_env):
    result = _import_wsgi(_env(settings_env))
    assert result.returncode == 0, result.stderr


def test_wrong_key_encryption_key_stops_the_worker(clean, settings_env):
    result = _import_wsgi(_env(settings_env, IDP_KEY_ENCRYPTION_KEY="B" * 43))
    assert result.returncode == 1
    assert result.stderr.startswith("idp: ") and "wrong key-encryption key" in result.stderr
    assert result.stderr.count("\n") == 1


def test_unmigrated_database_stops_the_worker(clean, settings_env):
    name = f"idp_test_wsgi_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = settings_env["IDP_DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
        result = _import_wsgi(_env(settings_env, IDP_DATABASE_URL=url))
        assert result.returncode == 1
        assert "run `idp db upgrade` first" in result.stderr
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_missing_secret_in_production_is_one_line(clean, settings_env):
    env = _env(settings_env)
    env.pop("IDP_SECRET_KEY")
    result = _import_wsgi(env)
    assert result.returncode == 1
    assert "IDP_SECRET_KEY: required in production" in result.stderr


def test_first_start_creates_a_signing_key(app, clean, settings_env):
    from idp.extensions import db
    from idp.storage.models import SigningKey

    with app.app_context():
        db.session.query(SigningKey).delete()
        db.session.commit()
    result = _import_wsgi(_env(settings_env))
    assert result.returncode == 0, result.stderr
    assert "created a first RS256 signing key" in result.stderr
    with app.app_context():
        assert [k.state for k in db.session.query(SigningKey)] == ["active"]
