"""Postgres restarts (and goes away for a while): the pool recovers without restarting the IdP."""

import pytest

from tests.conftest import dispose
from tests.helpers.web import csrf_token, login

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def app_on_private_postgres(private_postgres, services_app):
    """One IdP instance over the private cluster for the whole module (never restarted)."""
    from tests.conftest import make_app

    app = make_app(database_url=private_postgres.url, database_pool_size=2)
    app.config["TESTING"] = True
    with app.app_context():
        from idp.accounts.users import create_user
        from idp.storage import migrate

        migrate.upgrade()
        create_user("pg@example.com", PASSWORD)
    yield app
    dispose(app)


def test_restart_is_survived_by_the_pool(app_on_private_postgres, private_postgres):
    app = app_on_private_postgres
    web = app.test_client()
    assert login(web, "pg@example.com", PASSWORD).status_code == 302  # pooled connections exist
    private_postgres.restart()  # every pooled connection is now dead
    assert web.get("/readyz").status_code == 200
    assert login(app.test_client(), "pg@example.com", PASSWORD).status_code == 302


def test_outage_is_a_503_and_service_resumes(app_on_private_postgres, private_postgres):
    app = app_on_private_postgres
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    private_postgres.stop()
    resp = browser.post("/login", data={"email": "pg@example.com", "password": PASSWORD,
                                        "csrf_token": csrf_token(page)})
    assert resp.status_code == 503 and "temporarily unavailable" in resp.get_data(as_text=True)
    ready = browser.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["failing"] == ["database"]
    private_postgres.start()
    assert browser.get("/readyz").status_code == 200
    assert login(app.test_client(), "pg@example.com", PASSWORD).status_code == 302
