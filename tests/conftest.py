"""Fixtures by layer: settings → app (per-run Postgres database, Redis prefix) →
clean state per test → users and clients.

Each run creates its own database ``idp_test_<random>`` on the machine's
Postgres and drops it afterwards, and writes Redis keys under its own prefix.
Nothing is faked: the suite fails loudly when Postgres or Redis is missing.
"""

from __future__ import annotations

import json
import os
import secrets

import psycopg
import pytest
import redis as redis_lib
from sqlalchemy import text

from idp import clock

# Shared stand-ins for external services (fixtures: midtrans_server, midtrans).
pytest_plugins = ("tests.helpers.midtrans",)

PG_ADMIN = os.environ.get("IDP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("IDP_TEST_REDIS", "redis://127.0.0.1:6379/0")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_ID = secrets.token_hex(4)
PASSWORD = "correct horse battery"


def _check_services() -> None:
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.exit(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}", returncode=3)
    try:
        redis_lib.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis_lib.RedisError as exc:
        pytest.exit(f"Redis is not reachable at {REDIS_URL}: {exc}", returncode=3)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    _check_services()
    name = f"idp_test_{RUN_ID}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings_env(database_url, tmp_path_factory):
    """IDP_* variables for this run (also what subprocesses and second instances use)."""
    tmp = tmp_path_factory.mktemp("idp")
    return {
        "IDP_CONFIG": os.path.join(ROOT, "conf", "test.toml"),
        "IDP_DATABASE_URL": database_url,
        "IDP_REDIS_URL": REDIS_URL,
        "IDP_REDIS_PREFIX": f"idptest:{RUN_ID}:",
        "IDP_SECRET_KEY": secrets.token_urlsafe(32),
        "IDP_KEY_ENCRYPTION_KEY": "tXwW2fZ9m8bqv3kq3kq7Xz5zB7qL0g6p9U1i2o3p4Aw",
        "IDP_INSTANCE_PATH": str(tmp / "instance"),
        "IDP_KEYS_PATH": str(tmp / "keys"),
    }


@pytest.fixture(scope="session", autouse=True)
def _environment(settings_env):
    saved = {k: os.environ.get(k) for k in settings_env}
    os.environ.update(settings_env)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def make_app(**overrides):
    """A fresh app instance over this run's database and Redis (a 'second instance')."""
    from idp import create_app

    return create_app(overrides or None, announce=lambda line: None)


@pytest.fixture(scope="session")
def app(_environment):
    application = make_app()
    application.config["TESTING"] = True
    with application.app_context():
        from idp.storage import migrate

        migrate.upgrade()
    return application


@pytest.fixture(scope="session")
def _signing_key_rows(app):
    """Generate the RS256 key once per run; each test starts with a copy of it."""
    from idp.extensions import db
    from idp.keystore.keys import new_key

    with app.app_context():
        row = new_key("RS256", state="active")
        db.session.commit()
        return [{c.name: getattr(row, c.name) for c in row.__table__.columns}]


def _truncate_all(app) -> None:
    from idp.extensions import db

    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def clean(app, _signing_key_rows):
    """Empty tables and this run's Redis keys; one active RS256 key; the clock reset."""
    from idp.extensions import db
    from idp.keystore.signer import invalidate
    from idp.storage.models import Product, SigningKey
    from idp.storage.models.orgs import DEFAULT_PRODUCTS
    from idp.storage.store import get_store

    with app.app_context():
        _truncate_all(app)
        get_store().clear()
        for row in _signing_key_rows:
            db.session.add(SigningKey(**row))
        for product in DEFAULT_PRODUCTS:
            db.session.add(Product(**product))
        db.session.commit()
        invalidate(broadcast=False)
        app.extensions["idp.client_cache"].drop("*")  # the truncated clients are gone
    clock.reset()
    yield
    clock.reset()
    with app.app_context():
        db.session.remove()


@pytest.fixture
def ctx(app, clean):
    """An app context for service-level tests."""
    with app.app_context():
        yield app


@pytest.fixture
def web(app, clean):
    """A browser: Flask's test client with cookies."""
    return app.test_client()


@pytest.fixture
def user(app, clean):
    from idp.accounts.users import create_user

    with app.app_context():
        u = create_user(f"alice-{secrets.token_hex(3)}@example.com", PASSWORD, "Alice", "Smith",
                        email_verified=True)
        return {"id": u.id, "email": u.email, "password": PASSWORD}


@pytest.fixture
def make_client(app, clean):
    """Register a client; returns {client_id, client_secret, redirect_uri, ...}."""

    def factory(**kwargs):
        from idp.clients.registry import create_client

        redirect_uri = kwargs.pop("redirect_uri", "https://rp.example/cb")
        kwargs.setdefault("redirect_uris", [redirect_uri])
        kwargs.setdefault("name", "Test RP")
        with app.app_context():
            client, secret = create_client(**kwargs)
            return {"client_id": client.client_id, "client_secret": secret,
                    "redirect_uri": redirect_uri, "public": client.is_public}

    return factory


@pytest.fixture
def confidential_client(make_client):
    return make_client(first_party=True)


def dispose(application) -> None:
    """Close an extra instance's database pool and store subscriptions."""
    from idp import audit
    from idp.extensions import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()
        audit.dispose()
    for unsubscribe in application.extensions.get("idp.unsubscribe", []):
        unsubscribe()


@pytest.fixture
def instances(clean):
    """Make extra app instances ('another server') that are closed after the test."""
    made = []

    def factory(**overrides):
        application = make_app(**overrides)
        application.config["TESTING"] = True
        made.append(application)
        return application

    yield factory
    for application in made:
        dispose(application)


@pytest.fixture
def run(clean):
    """Run `idp ...` in-process (same env as the app); returns (exit_code, stdout, stderr).

    Each command builds its own app and gives its connections back when it ends
    (idp.cli.output.with_app), like a real invocation.
    """
    from click.testing import CliRunner

    from idp.cli import cli

    runner = CliRunner()

    def invoke(*args, input=None):
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def run_json(run):
    """Run `idp ... --json`, assert success, return the parsed output."""

    def invoke(*args, input=None):
        code, out, err = run(*args, "--json", input=input)
        assert code == 0, err
        return json.loads(out)

    return invoke
