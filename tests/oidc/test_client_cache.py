"""The protocol endpoints' client cache never outlives a change to the client."""

from __future__ import annotations

from sqlalchemy import text

from tests.helpers.oauth import assert_oauth_error
from tests.helpers.waiting import eventually


def _client_credentials(web, client_id, secret):
    return web.post("/oauth2/token", data={"grant_type": "client_credentials"},
                    auth=(client_id, secret))


def _service(make_client):
    return make_client(grant_types=["client_credentials"])


def test_a_rotated_secret_stops_working_at_once(app, web, make_client):
    from idp.clients.registry import rotate_secret

    c = _service(make_client)
    assert _client_credentials(web, c["client_id"], c["client_secret"]).status_code == 200
    with app.app_context():
        _, new = rotate_secret(c["client_id"])
    assert_oauth_error(_client_credentials(web, c["client_id"], c["client_secret"]),
                       "invalid_client", status=401)
    assert _client_credentials(web, c["client_id"], new).status_code == 200


def test_a_deleted_client_is_refused_at_once(app, web, make_client):
    from idp.clients.registry import delete_client

    c = _service(make_client)
    assert _client_credentials(web, c["client_id"], c["client_secret"]).status_code == 200
    with app.app_context():
        delete_client(c["client_id"])
    assert_oauth_error(_client_credentials(web, c["client_id"], c["client_secret"]),
                       "invalid_client", status=401)


def test_an_update_is_seen_at_once(app, web, make_client):
    from idp.clients.registry import update_client

    c = _service(make_client)
    assert _client_credentials(web, c["client_id"], c["client_secret"]).status_code == 200
    with app.app_context():
        update_client(c["client_id"], grant_types=["authorization_code"])
    answer = _client_credentials(web, c["client_id"], c["client_secret"])
    assert answer.status_code == 400 and answer.get_json()["error"] == "unauthorized_client"


def test_another_instance_drops_its_copy_when_a_secret_is_rotated(app, web, make_client,
                                                                   instances):
    from idp.clients.registry import rotate_secret

    c = _service(make_client)
    other = instances()
    other_web = other.test_client()
    assert _client_credentials(other_web, c["client_id"], c["client_secret"]).status_code == 200
    with app.app_context():
        rotate_secret(c["client_id"])
    eventually(lambda: _client_credentials(other_web, c["client_id"],  # pub/sub is asynchronous
                                           c["client_secret"]).status_code == 401, 3)
    assert_oauth_error(_client_credentials(other_web, c["client_id"], c["client_secret"]),
                       "invalid_client", status=401)


def test_a_change_made_behind_the_service_shows_after_the_cache_lifetime(app, web, make_client,
                                                                         monkeypatch):
    from idp.clients import cache as client_cache
    from idp.extensions import db

    c = _service(make_client)
    assert _client_credentials(web, c["client_id"], c["client_secret"]).status_code == 200
    with app.app_context():
        db.session.execute(text("DELETE FROM clients WHERE client_id = :c"), {"c": c["client_id"]})
        db.session.commit()
    assert _client_credentials(web, c["client_id"], c["client_secret"]).status_code == 200
    monkeypatch.setattr(client_cache, "CACHE_SECONDS", 0.0)
    assert_oauth_error(_client_credentials(web, c["client_id"], c["client_secret"]),
                       "invalid_client", status=401)


def test_an_unknown_client_is_not_remembered(app, web, make_client):
    from idp.clients.registry import create_client

    assert_oauth_error(_client_credentials(web, "later-client", "x"), "invalid_client",
                       status=401)
    with app.app_context():
        _, secret = create_client("Later", [], grant_types=["client_credentials"],
                                  client_id="later-client")
    assert _client_credentials(web, "later-client", secret).status_code == 200
