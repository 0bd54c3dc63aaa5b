"""Discovery (OIDC Discovery 1.0 §3) and the JWKS."""

import pytest

from idp.keystore.keys import SUPPORTED_ALGS
from tests.oidc.conftest import ISSUER, header

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


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


def test_discovery_has_an_etag_and_answers_304_to_its_holder(web, clean):
    first = web.get("/.well-known/openid-configuration")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.status_code == 200
    again = web.get("/.well-known/openid-configuration", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag  # RFC 9110 §15.4.5
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    weak = web.get("/.well-known/openid-configuration", headers={"If-None-Match": "W/" + etag})
    assert weak.status_code == 304  # RFC 9110 §13.1.2: weak comparison


def test_a_stale_etag_gets_the_whole_document(web, clean):
    resp = web.get("/.well-known/openid-configuration", headers={"If-None-Match": '"old"'})
    assert resp.status_code == 200 and resp.get_json()["issuer"] == ISSUER


def test_the_jwks_document_follows_a_key_revocation_at_once(web, ctx):
    from idp.keystore import revocation

    before = web.get("/.well-known/jwks.json")
    kid = before.get_json()["keys"][0]["kid"]
    for _ in range(3):  # served from the serialised copy meanwhile
        assert web.get("/.well-known/jwks.json").headers["ETag"] == before.headers["ETag"]
    revocation.revoke(kid)
    after = web.get("/.well-known/jwks.json", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert kid not in {k["kid"] for k in after.get_json()["keys"]}
    assert after.headers["Cache-Control"] == "public, max-age=600"


def test_the_jwks_document_shows_a_new_key_after_a_reload(web, ctx):
    from idp.extensions import db
    from idp.keystore import signer
    from idp.keystore.keys import new_key

    before = {k["kid"] for k in web.get("/.well-known/jwks.json").get_json()["keys"]}
    key = new_key("ES256", state="next")
    db.session.commit()
    signer.invalidate()
    after = {k["kid"] for k in web.get("/.well-known/jwks.json").get_json()["keys"]}
    assert after == before | {key.kid}
