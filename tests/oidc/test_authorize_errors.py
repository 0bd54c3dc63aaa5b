"""Authorization endpoint errors: a page when the redirect URI is unverified (RFC 6749
§4.1.2.1), else a redirect with error, state and iss (RFC 9207)."""

import pytest

from tests.oidc.conftest import ISSUER, query

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def _is_page(resp):
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    assert resp.mimetype == "text/html"


def test_unknown_client_gets_a_page(flow):
    _is_page(flow.authorize(client_id="nope"))


def test_missing_client_id_gets_a_page(flow):
    _is_page(flow.authorize(client_id=None))


def test_unregistered_redirect_uri_gets_a_page(flow):
    _is_page(flow.authorize(redirect_uri="https://evil.example/cb"))


def test_redirect_uri_must_match_exactly(flow):
    _is_page(flow.authorize(redirect_uri=flow.client["redirect_uri"] + "/"))


def test_missing_redirect_uri_with_several_registered_gets_a_page(web, user, make_client):
    from tests.oidc.conftest import Flow

    client = make_client(first_party=True, redirect_uris=["https://a.example/cb", "https://b.example/cb"])
    _is_page(Flow(web, client, user).authorize(redirect_uri=None))


def test_missing_redirect_uri_with_one_registered_is_accepted(flow):
    resp = flow.authorize(redirect_uri=None)
    assert resp.headers["Location"].startswith("/login")


def test_repeated_parameter_gets_a_page(flow, web):
    qs = "&".join(f"{k}={v}" for k, v in flow.params().items()) + "&client_id=other"
    _is_page(web.get("/oauth2/authorize?" + qs))


def _redirected_error(resp, flow, error):
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    location = resp.headers["Location"]
    assert location.startswith(flow.client["redirect_uri"] + "?")
    params = query(location)
    assert params["error"] == error
    assert params["state"] == "st-1" and params["iss"] == ISSUER
    return params


@pytest.mark.parametrize("response_type", ["token", "id_token", "code id_token", "none", "x"])
def test_unsupported_response_type_is_redirected(flow, response_type):
    params = _redirected_error(flow.authorize(response_type=response_type), flow,
                               "unsupported_response_type")
    assert params["error_description"] == "Only response_type=code is supported."


def test_missing_response_type_is_redirected(flow):
    resp = flow.authorize(response_type=None)
    assert query(resp.headers["Location"])["error"] in ("unsupported_response_type",
                                                        "invalid_request")


def test_plain_pkce_is_refused(flow):
    _redirected_error(flow.authorize(code_challenge_method="plain",
                                     code_challenge=flow.verifier), flow, "invalid_request")


def test_pkce_without_method_means_plain_and_is_refused(flow):
    _redirected_error(flow.authorize(code_challenge_method=None), flow, "invalid_request")


def test_public_client_must_send_pkce(public_flow):
    _redirected_error(public_flow.authorize(code_challenge=None, code_challenge_method=None),
                      public_flow, "invalid_request")


def test_confidential_client_may_omit_pkce(flow):
    assert flow.authorize(code_challenge=None, code_challenge_method=None).headers[
        "Location"].startswith("/login")


def test_unsupported_response_mode_is_refused(flow):
    flow.login()
    _redirected_error(flow.authorize(response_mode="fragment"), flow, "invalid_request")


def test_prompt_none_with_other_values_is_refused(flow):
    _redirected_error(flow.authorize(prompt="none login"), flow, "invalid_request")


def test_bad_max_age_is_refused(flow):
    flow.login()
    _redirected_error(flow.authorize(max_age="-1"), flow, "invalid_request")


def test_unknown_parameters_are_ignored(flow):
    flow.login()
    resp = flow.authorize(foo="bar", claims_locales="xx")
    assert "code" in query(resp.headers["Location"])


def test_reused_nonce_is_refused(flow):
    flow.code(nonce="same")
    _redirected_error(flow.authorize(nonce="same"), flow, "invalid_request")


@pytest.mark.parametrize("param,error", [("request", "request_not_supported"),
                                         ("request_uri", "request_uri_not_supported"),
                                         ("registration", "registration_not_supported")])
def test_unsupported_oidc_features_are_refused(flow, param, error):
    _redirected_error(flow.authorize(**{param: "x"}), flow, error)


def test_client_without_the_code_grant_is_unauthorized(web, user, make_client):
    from tests.oidc.conftest import Flow

    client = make_client(first_party=True, grant_types=["client_credentials"])
    f = Flow(web, client, user)
    _redirected_error(f.authorize(), f, "unauthorized_client")


def test_oversized_parameter_is_refused_not_truncated(flow):
    resp = flow.authorize(nonce="n" * 5000)
    params = query(resp.headers["Location"])
    assert params["error"] == "invalid_request"
