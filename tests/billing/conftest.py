import json

import pytest

from .factories import SERVER_KEY


@pytest.fixture(autouse=True)
def server_key(app, monkeypatch):
    """Billing tests run with a Midtrans server key configured."""
    monkeypatch.setitem(app.config["IDP"], "midtrans_server_key", SERVER_KEY)
    return SERVER_KEY


@pytest.fixture
def notify(web):
    """POST a Midtrans notification body; return the response."""

    def post(body: bytes, client=None):
        return (client or web).post("/billing/notifications/midtrans", data=body,
                                    content_type="application/json")

    return post


@pytest.fixture
def run(clean, monkeypatch):
    """`idp ...` in-process, like tests/cli's ``run``, but each command's app releases its
    database connections at once (the suite shares one Postgres with other runs)."""
    from click.testing import CliRunner

    from idp.cli import cli, output

    created = []
    original = output.make_app

    def tracked(**overrides):
        app = original(**overrides)
        created.append(app)
        return app

    monkeypatch.setattr(output, "make_app", tracked)

    def invoke(*args, input=None):
        try:
            result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
        finally:
            _dispose(created)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def _dispose(apps):
    from idp.extensions import db

    while apps:
        app = apps.pop()
        with app.app_context():
            db.engine.dispose()
        for unsubscribe in app.extensions.get("idp.unsubscribe", []):
            unsubscribe()


@pytest.fixture
def run_json(run):
    def invoke(*args, input=None):
        code, out, err = run(*args, "--json", input=input)
        assert code == 0, err
        return json.loads(out)

    return invoke
