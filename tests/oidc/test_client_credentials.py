"""The client credentials grant (RFC 6749 §4.4)."""

import pytest

from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import ISSUER, basic, decode

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


@pytest.fixture
def service(make_client):
    return make_client(first_party=True, grant_types=["client_credentials"], redirect_uris=[],
                       scope="openid plan")


def _token(web, c, **data):
    return web.post("/oauth2/token", data={"grant_type": "client_credentials", **data},
                    headers=basic(c["client_id"], c["client_secret"]))


def test_issues_an_access_token_for_the_client(web, service):
    body = _token(web, service).get_json()
    claims = decode(web, body["access_token"])
    assert claims["sub"] == service["client_id"] and claims["iss"] == ISSUER
    assert "refresh_token" not in body and "id_token" not in body


def test_person_scopes_are_dropped(web, service):
    body = _token(web, service, scope="openid plan").get_json()
    assert body["scope"] == "plan"


def test_wrong_secret(web, service):
    resp = web.post("/oauth2/token", data={"grant_type": "client_credentials"},
                    headers=basic(service["client_id"], "nope"))
    assert_oauth_error(resp, "invalid_client", 401)


def test_client_without_the_grant(web, confidential_client):
    assert_oauth_error(_token(web, confidential_client), "unauthorized_client")
