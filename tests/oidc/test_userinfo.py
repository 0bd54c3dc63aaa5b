"""UserInfo (OIDC Core §5.3) with bearer tokens (RFC 6750)."""

import pytest

from idp import clock
from tests.oidc.conftest import basic, decode

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_get_with_bearer_header(flow, web):
    tokens = flow.tokens()
    resp = web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"]))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["sub"] == decode(web, tokens["id_token"])["sub"]
    assert body["email"] == flow.user["email"] and body["given_name"] == "Alice"


def test_post_with_token_in_the_form(flow, web):
    tokens = flow.tokens()
    resp = web.post("/oauth2/userinfo", data={"access_token": tokens["access_token"]})
    assert resp.status_code == 200 and resp.get_json()["sub"] == str(flow.user["id"])


def test_claims_follow_the_scope(flow, web):
    tokens = flow.tokens(scope="openid")
    body = web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])).get_json()
    assert set(body) == {"sub"}


def _invalid_token(resp):
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert resp.get_json()["error"] == "invalid_token"


def test_missing_token(web, clean):
    _invalid_token(web.get("/oauth2/userinfo"))


@pytest.mark.parametrize("value", ["Bearer", "Bearer x.y.z", "Basic abc", "Bearer garbage"])
def test_invalid_token(web, clean, value):
    _invalid_token(web.get("/oauth2/userinfo", headers={"Authorization": value}))


def test_expired_token(flow, web):
    tokens = flow.tokens()
    clock.advance(901)
    _invalid_token(web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])))


def test_revoked_token(flow, web):
    tokens = flow.tokens()
    web.post("/oauth2/revoke", data={"token": tokens["access_token"]},
             headers=basic(flow.client["client_id"], flow.client["client_secret"]))
    _invalid_token(web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])))


def test_id_token_is_not_an_access_token(flow, web):
    tokens = flow.tokens()
    _invalid_token(web.get("/oauth2/userinfo", headers=_bearer(tokens["id_token"])))


def test_client_credentials_token_has_no_userinfo(web, confidential_client):
    c = confidential_client
    from idp.clients.registry import update_client

    with web.application.app_context():
        update_client(c["client_id"], grant_types=["client_credentials"])
    tok = web.post("/oauth2/token", data={"grant_type": "client_credentials"},
                   headers=basic(c["client_id"], c["client_secret"])).get_json()["access_token"]
    resp = web.get("/oauth2/userinfo", headers=_bearer(tok))
    assert resp.status_code == 403 and resp.get_json()["error"] == "insufficient_scope"


def test_token_in_header_and_body_is_invalid_request(flow, web):
    tokens = flow.tokens()
    resp = web.post("/oauth2/userinfo", data={"access_token": tokens["access_token"]},
                    headers=_bearer(tokens["access_token"]))
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_request"


def test_disabled_person_gets_no_userinfo(flow, web, app):
    from idp.extensions import db
    from idp.storage.models import User

    tokens = flow.tokens()
    with app.app_context():
        db.session.get(User, flow.user["id"]).disabled = True
        db.session.commit()
    _invalid_token(web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])))
