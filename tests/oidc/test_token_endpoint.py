"""The token endpoint (RFC 6749 §3.2, §4.1.3, §5.2) for the authorization code grant."""

import threading

import pytest

from idp import clock
from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import Flow, basic

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def test_get_is_405_json(web):
    resp = web.get("/oauth2/token")
    assert resp.status_code == 405 and resp.get_json()["error"] == "invalid_request"


def test_wrong_secret_is_401_with_basic_challenge(flow):
    code = flow.code()
    resp = flow.web.post("/oauth2/token", headers=basic(flow.client["client_id"], "wrong"),
                         data={"grant_type": "authorization_code", "code": code,
                               "redirect_uri": flow.client["redirect_uri"],
                               "code_verifier": flow.verifier})
    assert_oauth_error(resp, "invalid_client", 401)
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
    assert resp.headers["Cache-Control"] == "no-store"


def test_confidential_client_without_secret_is_refused(flow):
    code = flow.code()
    resp = flow.web.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": flow.client["client_id"],
        "redirect_uri": flow.client["redirect_uri"], "code_verifier": flow.verifier})
    assert_oauth_error(resp, "invalid_client", 401)


def test_client_secret_post_works_for_clients_registered_with_it(web, user, make_client):
    client = make_client(first_party=True, auth_method="client_secret_post")
    f = Flow(web, client, user)
    code = f.code()
    resp = web.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": client["client_id"],
        "client_secret": client["client_secret"], "redirect_uri": client["redirect_uri"],
        "code_verifier": f.verifier})
    assert resp.status_code == 200, resp.get_json()


def test_unsupported_grant_type(flow):
    resp = flow.web.post("/oauth2/token", data={"grant_type": "password"},
                         headers=basic(flow.client["client_id"], flow.client["client_secret"]))
    assert_oauth_error(resp, "unsupported_grant_type")


def test_missing_code(flow):
    assert_oauth_error(flow.exchange(None), "invalid_request")


def test_unknown_code(flow):
    assert_oauth_error(flow.exchange("x" * 48), "invalid_grant")


def test_reused_code_is_refused(flow):
    code = flow.code()
    assert flow.exchange(code).status_code == 200
    assert_oauth_error(flow.exchange(code), "invalid_grant")


def test_reused_code_revokes_what_it_issued(flow):
    code = flow.code()
    tokens = flow.exchange(code).get_json()
    flow.exchange(code)
    info = flow.web.get("/oauth2/userinfo",
                        headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 401
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")


def test_foreign_redirect_uri_is_refused(flow):
    assert_oauth_error(flow.exchange(flow.code(), redirect_uri="https://evil.example/cb"),
                       "invalid_grant")


def test_missing_redirect_uri_when_the_request_had_one(flow):
    assert_oauth_error(flow.exchange(flow.code(), redirect_uri=None), "invalid_grant")


def test_wrong_pkce_verifier(flow):
    code = flow.code()
    assert_oauth_error(flow.exchange(code, code_verifier="a" * 50), "invalid_grant")


def test_missing_pkce_verifier_when_challenge_was_sent(flow):
    assert_oauth_error(flow.exchange(flow.code(), code_verifier=None), "invalid_request")


def test_public_client_exchanges_with_pkce(public_flow):
    tokens = public_flow.tokens()
    assert "id_token" in tokens


def test_expired_code(flow):
    code = flow.code()
    clock.advance(601)
    assert_oauth_error(flow.exchange(code), "invalid_grant")


def test_code_of_another_client(flow, web, make_client):
    code = flow.code()
    other = make_client(first_party=True)
    resp = web.post("/oauth2/token", headers=basic(other["client_id"], other["client_secret"]),
                    data={"grant_type": "authorization_code", "code": code,
                          "redirect_uri": flow.client["redirect_uri"],
                          "code_verifier": flow.verifier})
    assert_oauth_error(resp, "invalid_grant")


def test_client_not_allowed_the_grant(web, user, make_client):
    client = make_client(first_party=True, grant_types=["client_credentials"])
    resp = web.post("/oauth2/token", headers=basic(client["client_id"], client["client_secret"]),
                    data={"grant_type": "authorization_code", "code": "x" * 48})
    assert_oauth_error(resp, "unauthorized_client")


def test_concurrent_redemption_issues_at_most_once(app, flow):
    code = flow.code()
    results = []

    def redeem():
        client = app.test_client()
        results.append(client.post("/oauth2/token", headers=basic(
            flow.client["client_id"], flow.client["client_secret"]), data={
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": flow.client["redirect_uri"], "code_verifier": flow.verifier}))

    threads = [threading.Thread(target=redeem) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 10
    assert sorted(r.status_code for r in results) == [200] + [400] * 9  # exactly one wins


def test_repeated_parameter_is_invalid_request(flow):
    code = flow.code()
    resp = flow.web.post("/oauth2/token", headers=basic(flow.client["client_id"],
                                                        flow.client["client_secret"]),
                         data={"grant_type": "authorization_code", "code": [code, code],
                               "redirect_uri": flow.client["redirect_uri"],
                               "code_verifier": flow.verifier})
    assert_oauth_error(resp, "invalid_request")


def test_es256_client_gets_es256_id_token(app, web, user, make_client):
    from idp.extensions import db
    from idp.keystore.keys import new_key
    from idp.keystore.signer import invalidate
    from tests.oidc.conftest import decode, header

    with app.app_context():
        new_key("ES256", state="active")
        db.session.commit()
        invalidate(broadcast=False)
    f = Flow(web, make_client(first_party=True, id_token_signed_response_alg="ES256"), user)
    tokens = f.tokens()
    assert header(tokens["id_token"])["alg"] == "ES256"
    assert header(tokens["access_token"])["alg"] == "RS256"
    assert decode(web, tokens["id_token"])["sub"] == str(user["id"])


def test_tokens_never_reach_the_logs(flow, caplog):
    import logging

    logging.getLogger().setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG):
            tokens = flow.tokens()
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    for secret in (tokens["access_token"], tokens["refresh_token"], tokens["id_token"]):
        assert secret not in caplog.text


def test_foreign_redirect_uri_when_the_request_had_none(flow):
    code = flow.code(redirect_uri=None)
    assert_oauth_error(flow.exchange(code, redirect_uri="https://evil.example/cb"),
                       "invalid_grant")


def test_redirect_uri_may_be_omitted_when_the_request_had_none(flow):
    assert flow.exchange(flow.code(redirect_uri=None), redirect_uri=None).status_code == 200


def test_missing_grant_type_is_invalid_request(flow):
    resp = flow.web.post("/oauth2/token", data={"code": "x"},
                         headers=basic(flow.client["client_id"], flow.client["client_secret"]))
    assert_oauth_error(resp, "invalid_request")


def test_json_body_is_invalid_request(flow):
    resp = flow.web.post("/oauth2/token", json={"grant_type": "client_credentials"},
                         headers=basic(flow.client["client_id"], flow.client["client_secret"]))
    assert_oauth_error(resp, "invalid_request")
