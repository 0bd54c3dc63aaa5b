"""Discovery (OIDC Discovery 1.0 §3) and the JWKS."""

from idp.keystore.keys import SUPPORTED_ALGS
from tests.oidc.conftest import ISSUER, header


def test_discovery_document(web):
    doc = web.get("/.well-known/openid-configuration", base_url="http://other-host").get_json()
    assert doc["issuer"] == ISSUER
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                "revocation_endpoint", "introspection_endpoint", "end_session_endpoint"):
        assert doc[key].startswith(ISSUER + "/"), key
    assert doc["end_session_endpoint"] == ISSUER + "/oauth2/logout"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == list(SUPPORTED_ALGS)
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post", "none"}
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert doc["backchannel_logout_supported"] and doc["backchannel_logout_session_supported"]
    assert "public" in doc["subject_types_supported"] and "openid" in doc["scopes_supported"]


def test_advertised_endpoints_exist(web, clean):
    doc = web.get("/.well-known/openid-configuration").get_json()
    for key in ("token_endpoint", "userinfo_endpoint", "jwks_uri", "revocation_endpoint",
                "introspection_endpoint", "authorization_endpoint"):
        path = doc[key][len(ISSUER):]
        assert web.get(path).status_code != 404, key


def test_discovery_is_cacheable(web, clean):
    resp = web.get("/.well-known/openid-configuration")
    assert resp.headers["Cache-Control"].startswith("public")


def test_jwks_has_public_keys_only(web, clean):
    resp = web.get("/.well-known/jwks.json")
    assert resp.headers["Cache-Control"] == "public, max-age=600"
    keys = resp.get_json()["keys"]
    assert keys
    for key in keys:
        assert {"kid", "kty", "use", "alg"} <= set(key) and key["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_every_token_carries_a_published_kid(flow, web):
    tokens = flow.tokens()
    kids = {k["kid"] for k in web.get("/.well-known/jwks.json").get_json()["keys"]}
    assert header(tokens["id_token"])["kid"] in kids
    assert header(tokens["access_token"])["kid"] in kids
