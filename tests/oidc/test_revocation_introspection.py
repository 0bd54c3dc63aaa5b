"""Revocation (RFC 7009) and introspection (RFC 7662)."""

import pytest

from idp import clock
from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import basic

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def _auth(flow):
    return basic(flow.client["client_id"], flow.client["client_secret"])


def _introspect(flow, token, **extra):
    return flow.web.post("/oauth2/introspect", data={"token": token, **extra}, headers=_auth(flow))


def test_introspect_live_access_token(flow):
    tokens = flow.tokens()
    body = _introspect(flow, tokens["access_token"]).get_json()
    assert body["active"] is True and body["client_id"] == flow.client["client_id"]
    assert body["sub"] == str(flow.user["id"]) and body["scope"]


def test_introspect_refresh_token(flow):
    tokens = flow.tokens()
    body = _introspect(flow, tokens["refresh_token"], token_type_hint="refresh_token").get_json()
    assert body["active"] is True and body["token_type"] == "refresh_token"


def test_introspect_garbage_is_inactive(flow):
    assert _introspect(flow, "garbage").get_json() == {"active": False}


def test_introspect_expired_is_inactive(flow):
    tokens = flow.tokens()
    clock.advance(901)
    assert _introspect(flow, tokens["access_token"]).get_json() == {"active": False}


def test_introspect_requires_client_authentication(flow):
    tokens = flow.tokens()
    resp = flow.web.post("/oauth2/introspect", data={"token": tokens["access_token"]})
    assert_oauth_error(resp, "invalid_client", 401)


def test_public_client_cannot_introspect(public_flow):
    tokens = public_flow.tokens()
    resp = public_flow.web.post("/oauth2/introspect", data={
        "token": tokens["access_token"], "client_id": public_flow.client["client_id"]})
    assert_oauth_error(resp, "invalid_client", 401)


def test_foreign_refresh_token_is_inactive(flow, make_client):
    tokens = flow.tokens()
    other = make_client(first_party=True)
    resp = flow.web.post("/oauth2/introspect", data={"token": tokens["refresh_token"]},
                         headers=basic(other["client_id"], other["client_secret"]))
    assert resp.get_json() == {"active": False}


def test_revoke_access_token(flow):
    tokens = flow.tokens()
    resp = flow.web.post("/oauth2/revoke", data={"token": tokens["access_token"]},
                         headers=_auth(flow))
    assert resp.status_code == 200
    assert _introspect(flow, tokens["access_token"]).get_json() == {"active": False}


def test_revoke_refresh_token_revokes_the_family(flow):
    tokens = flow.tokens()
    flow.web.post("/oauth2/revoke", data={"token": tokens["refresh_token"],
                                          "token_type_hint": "refresh_token"}, headers=_auth(flow))
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")


def test_revoke_with_a_wrong_hint_still_finds_the_token(flow):
    tokens = flow.tokens()
    flow.web.post("/oauth2/revoke", data={"token": tokens["refresh_token"],
                                          "token_type_hint": "access_token"}, headers=_auth(flow))
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")


def test_revoke_unknown_token_is_200(flow):
    resp = flow.web.post("/oauth2/revoke", data={"token": "nothing"}, headers=_auth(flow))
    assert resp.status_code == 200


def test_another_client_cannot_revoke(flow, make_client):
    tokens = flow.tokens()
    other = make_client(first_party=True)
    flow.web.post("/oauth2/revoke", data={"token": tokens["refresh_token"]},
                  headers=basic(other["client_id"], other["client_secret"]))
    assert flow.refresh(tokens["refresh_token"]).status_code == 200


def test_revoke_without_token_is_invalid_request(flow):
    assert_oauth_error(flow.web.post("/oauth2/revoke", data={}, headers=_auth(flow)),
                       "invalid_request")


def test_public_client_revokes_its_own_token(public_flow):
    tokens = public_flow.tokens()
    resp = public_flow.web.post("/oauth2/revoke", data={
        "token": tokens["refresh_token"], "client_id": public_flow.client["client_id"]})
    assert resp.status_code == 200
    assert_oauth_error(public_flow.refresh(tokens["refresh_token"]), "invalid_grant")
