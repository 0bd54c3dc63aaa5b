"""The authorization code flow end to end (RFC 6749 §4.1, OIDC Core §3.1)."""

import pytest

from tests.oidc.conftest import ISSUER, decode, header, query

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def test_first_request_sends_the_browser_to_login(flow):
    resp = flow.authorize()
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login?interaction=")


def test_login_resumes_the_request_and_issues_a_code(flow):
    resp = flow.authorize()
    interaction = query(resp.headers["Location"])["interaction"]
    from tests.helpers.web import login

    after = login(flow.web, flow.user["email"], flow.user["password"], interaction)
    assert "/oauth2/authorize/resume?interaction=" in after.headers["Location"]
    final = flow.web.get(after.headers["Location"])
    params = query(final.headers["Location"])
    assert final.headers["Location"].startswith(flow.client["redirect_uri"] + "?")
    assert params["state"] == "st-1" and params["iss"] == ISSUER and params["code"]


def test_code_exchange_returns_id_access_and_refresh_tokens(flow):
    tokens = flow.tokens()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0
    assert set(tokens) >= {"access_token", "id_token", "refresh_token", "scope"}


def test_token_response_is_not_cacheable(flow):
    resp = flow.exchange(flow.code())
    assert resp.headers["Cache-Control"] == "no-store"


def test_id_token_claims(flow, web):
    tokens = flow.tokens(nonce="n-1")
    claims = decode(web, tokens["id_token"])
    assert claims["iss"] == ISSUER and claims["aud"] == flow.client["client_id"]
    assert claims["sub"] == str(flow.user["id"]) and claims["nonce"] == "n-1"
    assert {"exp", "iat", "auth_time", "at_hash", "sid", "amr"} <= set(claims)
    assert claims["email"] == flow.user["email"]
    assert header(tokens["id_token"])["alg"] == "RS256" and header(tokens["id_token"])["kid"]


def test_at_hash_matches_the_access_token(flow, web):
    from idp.oidc.id_tokens import half_hash

    tokens = flow.tokens()
    assert decode(web, tokens["id_token"])["at_hash"] == half_hash(tokens["access_token"], "RS256")


def test_access_token_is_an_rfc9068_jwt(flow, web):
    tokens = flow.tokens()
    assert header(tokens["access_token"])["typ"] == "at+jwt"
    claims = decode(web, tokens["access_token"])
    assert claims["iss"] == ISSUER and claims["aud"] == [ISSUER]
    assert claims["client_id"] == flow.client["client_id"] and claims["sub"] == str(flow.user["id"])
    assert {"exp", "iat", "jti", "scope", "auth_time", "sid"} <= set(claims)


def test_authorization_request_by_post(flow):
    """OIDC Core §3.1.2.1: the authorization endpoint accepts POST (form-encoded) too."""
    flow.login()
    resp = flow.web.post("/oauth2/authorize", data=flow.params())
    assert "code" in query(resp.headers["Location"])


def test_scope_without_openid_gets_no_id_token(flow):
    tokens = flow.tokens(scope="profile")
    assert "id_token" not in tokens and tokens["scope"] == "profile"


def test_authorization_redirect_is_not_cacheable(flow):
    flow.login()
    assert flow.authorize().headers["Cache-Control"] == "no-store"
