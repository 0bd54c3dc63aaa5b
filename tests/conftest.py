"""Fixtures by layer: services → app → clean state per test → people and clients; and the
two tiers of the suite.

**Tiers.** ``pytest -m "not slow"`` is the inner loop (well under a minute, no service
needed); ``pytest`` (the CI command) runs everything. A test is marked ``slow``
automatically (``pytest_collection_modifyitems`` below) when it

- uses the shared Postgres or Redis: any fixture built on ``shared_postgres`` or
  ``shared_redis``, which is every test on the ``app`` fixture's default backend;
- lives in tests/faults, tests/fuzz, tests/invariants or tests/bench (fault injection,
  fuzzing, races, a load generator);

and by hand (``pytestmark = pytest.mark.slow``) when it starts a server process, a
browser or a fresh virtualenv. Everything else is quick: pure tests, and tests on the
embedded default. A module (or test) marked ``embedded`` runs on both backends of the
``app`` fixture: ``[services]`` (this run's Postgres database and Redis prefix: slow) and
``[embedded]`` (SQLite in a temporary directory and the in-process store, the
configuration ``idp serve`` gives a new user: quick).

**Services.** Nothing touches Postgres or Redis until a test needs them. The first one
that does checks both, and the run stops at once, loudly, when either is missing. Each
run creates its own database ``idp_test_<random>`` and drops it afterwards, and writes
Redis keys under its own prefix. Nothing is faked.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest

from idp import clock
from tests import factories
from tests.factories import PASSWORD  # noqa: F401  (re-exported: tests import it from here)
from tests.helpers.settings import swap_settings

# Shared stand-ins for external services (fixtures: midtrans_server, midtrans).
pytest_plugins = ("tests.helpers.midtrans",)

PG_ADMIN = os.environ.get("IDP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("IDP_TEST_REDIS", "redis://127.0.0.1:6379/0")
ROOT = str(Path(__file__).resolve().parents[1])
TEST_CONFIG = os.path.join(ROOT, "conf", "test.toml")
RUN_ID = secrets.token_hex(4)
BACKENDS = ("services", "embedded")
# Where a test on the shared services shows in its fixtures.
SERVICE_FIXTURES = frozenset({"shared_postgres", "shared_redis"})
SERVICES_ONLY = SERVICE_FIXTURES | {"services_app"}
SLOW_FOLDERS = ("faults", "fuzz", "invariants", "bench")


# --- tiers ---

def pytest_generate_tests(metafunc):
    """Run tests marked ``embedded`` once per backend of the ``app`` fixture (those that
    also use a fixture of the shared services run on the services only)."""
    if ("app" in metafunc.fixturenames and metafunc.definition.get_closest_marker("embedded")
            and not SERVICES_ONLY & set(metafunc.fixturenames)):
        metafunc.parametrize("app", BACKENDS, indirect=True)


def backend_of(item) -> str | None:
    """The backend of the ``app`` an item runs on; None when it uses no app."""
    if "app" not in item.fixturenames:
        return None
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("app", "services") if callspec else "services"


def needs_services(item) -> bool:
    return backend_of(item) == "services" or bool(SERVICE_FIXTURES & set(item.fixturenames))


def pytest_collection_modifyitems(config, items):
    for item in items:
        folder = Path(str(item.path)).relative_to(ROOT).parts[1]
        if needs_services(item) or folder in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)


# --- the shared services, on first use ---

@pytest.fixture(scope="session")
def shared_postgres() -> str:
    """The admin URL of the shared Postgres; stops the run when it is unreachable."""
    import psycopg

    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.exit(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}", returncode=3)
    return PG_ADMIN


@pytest.fixture(scope="session")
def shared_redis() -> str:
    """The URL of the shared Redis; stops the run when it is unreachable."""
    import redis as redis_lib

    try:
        redis_lib.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis_lib.RedisError as exc:
        pytest.exit(f"Redis is not reachable at {REDIS_URL}: {exc}", returncode=3)
    return REDIS_URL


@pytest.fixture(scope="session")
def database_url(shared_postgres, shared_redis):
    """This run's own database (both services are checked before anything is created)."""
    import psycopg

    name = f"idp_test_{RUN_ID}"
    with psycopg.connect(shared_postgres, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = shared_postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    with psycopg.connect(shared_postgres, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings_env(database_url, shared_redis, tmp_path_factory):
    """IDP_* variables for this run (also what subprocesses and second instances use)."""
    tmp = tmp_path_factory.mktemp("idp")
    return {
        "IDP_CONFIG": TEST_CONFIG,
        "IDP_DATABASE_URL": database_url,
        "IDP_REDIS_URL": shared_redis,
        "IDP_REDIS_PREFIX": f"idptest:{RUN_ID}:",
        "IDP_SECRET_KEY": secrets.token_urlsafe(32),
        "IDP_KEY_ENCRYPTION_KEY": "tXwW2fZ9m8bqv3kq3kq7Xz5zB7qL0g6p9U1i2o3p4Aw",
        "IDP_INSTANCE_PATH": str(tmp / "instance"),
        "IDP_KEYS_PATH": str(tmp / "keys"),
    }


@pytest.fixture(scope="session")
def _environment(settings_env):
    """Put this run's IDP_* variables into os.environ (the CLI and make_app read them)."""
    saved = {k: os.environ.get(k) for k in settings_env}
    os.environ.update(settings_env)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


# --- apps ---

def make_app(**overrides):
    """A fresh app instance over this run's database and Redis (a 'second instance').

    It reads this run's IDP_* variables, there once a fixture of the shared services ran:
    a test calling it asks for ``services_app`` (or ``instances``, ``run``...).
    """
    from idp import create_app

    assert "/idp_test_" in os.environ.get("IDP_DATABASE_URL", ""), \
        "make_app() needs this run's services: ask for the services_app fixture"
    return create_app(overrides or None, announce=lambda line: None)


def embedded_environ(directory) -> dict:
    """IDP_* variables of the embedded default under ``directory``: SQLite, no Redis."""
    return {"IDP_CONFIG": TEST_CONFIG, "IDP_INSTANCE_PATH": str(Path(directory) / "instance"),
            "IDP_KEYS_PATH": str(Path(directory) / "keys")}


def make_embedded_app(directory, **overrides):
    """An app on the embedded default under ``directory``, whatever os.environ holds."""
    from idp import create_app

    return create_app(overrides or None, announce=lambda line: None,
                      environ=embedded_environ(directory))


def _ready(application, backend: str):
    """Schema at the head and one RS256 key, kept to start each test with a copy of it."""
    from idp.extensions import db
    from idp.keystore.keys import new_key
    from idp.storage import migrate

    application.config["TESTING"] = True
    application.config["TESTS_BACKEND"] = backend
    with application.app_context():
        migrate.upgrade()
        row = new_key("RS256", state="active")
        db.session.commit()
        application.extensions["tests.signing_keys"] = [
            {c.name: getattr(row, c.name) for c in row.__table__.columns}]
    return application


@pytest.fixture(scope="session")
def services_app(_environment):
    return _ready(make_app(), "services")


@pytest.fixture(scope="session")
def embedded_app(tmp_path_factory):
    return _ready(make_embedded_app(tmp_path_factory.mktemp("embedded")), "embedded")


@pytest.fixture
def app(request):
    """The IdP under test: on this run's Postgres and Redis, or (tests marked
    ``embedded``, parametrised) also on the embedded default."""
    backend = getattr(request, "param", "services")
    return request.getfixturevalue(f"{backend}_app")


def _empty_tables(application) -> None:
    from sqlalchemy import text

    from idp.extensions import db

    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # No AUTOINCREMENT table: once a table is empty, its ids start again at 1.
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def clean(app):
    """Empty tables and this run's store keys; one active RS256 key; the clock reset."""
    from idp.extensions import db
    from idp.keystore.signer import invalidate
    from idp.storage.models import Product, SigningKey
    from idp.storage.models.orgs import DEFAULT_PRODUCTS
    from idp.storage.store import get_store

    clock.reset()
    with app.app_context():
        _empty_tables(app)
        get_store().clear()
        for row in app.extensions["tests.signing_keys"]:
            db.session.add(SigningKey(**row))
        for product in DEFAULT_PRODUCTS:
            db.session.add(Product(**product))
        db.session.commit()
        invalidate(broadcast=False)
        app.extensions["idp.client_cache"].drop("*")  # the truncated clients are gone
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
def configure(app, monkeypatch):
    """Other settings for this test: ``configure(name=value, ...)`` on the app, or
    ``configure(other_app, name=value)``; see tests/helpers/settings.py."""

    def change(target=None, /, **changes):
        return swap_settings(monkeypatch, target or app, **changes)

    return change


@pytest.fixture
def user(app, clean):
    """A person with a password and a verified email: {id, email, password}."""
    with app.app_context():
        return factories.make_user("alice")


@pytest.fixture
def make_client(app, clean):
    """Register a client; returns {client_id, client_secret, redirect_uri, public}."""

    def factory(**fields):
        with app.app_context():
            return factories.make_client(**fields)

    return factory


@pytest.fixture
def confidential_client(make_client):
    return make_client(first_party=True)


def dispose(application) -> None:
    """Close an extra instance's database pool and store subscriptions."""
    from idp import audit
    from idp.extensions import db
    from idp.storage import hot

    with application.app_context():
        db.session.remove()
        db.engine.dispose()
        audit.dispose()
    hot.dispose(application)
    for unsubscribe in application.extensions.get("idp.unsubscribe", []):
        unsubscribe()


@pytest.fixture
def instances(services_app, clean):
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
def run(services_app, clean):
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
