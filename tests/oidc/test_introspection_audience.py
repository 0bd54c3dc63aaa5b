"""Introspection stays within its audience (issue 11 item 10; RFC 7662 §2.2, §4).

A client may introspect the tokens issued to it, and access tokens whose ``aud``
names a resource it serves: a client bound to a product serves that product's
audience. Anything else answers ``{"active": false}`` and no claim.
"""

from tests.oidc.conftest import basic, org

AUD = {p: f"https://{p}.tomps.example" for p in ("building", "project", "asset")}


def _introspect(web, client, token, **extra):
    return web.post("/oauth2/introspect", data={"token": token, **extra},
                    headers=basic(client["client_id"], client["client_secret"]))


def _api(make_client, product):
    """A product's API: a confidential client with no redirect, bound to the product."""
    return make_client(name=f"{product} API", product=product, redirect_uri=None,
                       redirect_uris=[], grant_types=["client_credentials"])


def test_another_client_cannot_read_a_token_it_was_not_issued(flow, make_client):
    tokens = flow.tokens()
    other = make_client(first_party=True)
    assert _introspect(flow.web, other, tokens["access_token"]).get_json() == {"active": False}


def test_a_third_party_cannot_read_a_first_party_token(flow, make_client):
    tokens = flow.tokens()
    third = make_client(first_party=False, redirect_uri="https://third.example/cb")
    assert _introspect(flow.web, third, tokens["access_token"]).get_json() == {"active": False}


def test_the_issued_client_still_reads_its_own_token(flow):
    tokens = flow.tokens()
    body = _introspect(flow.web, flow.client, tokens["access_token"]).get_json()
    assert body["active"] is True and body["client_id"] == flow.client["client_id"]


def test_a_product_api_reads_tokens_whose_audience_it_serves(apps, app, user, make_client):
    org_id = org(app, user["email"], "duo")
    tokens = apps["project"].tokens()  # aud: building and project
    for product in ("building", "project"):
        body = _introspect(apps["project"].web, _api(make_client, product),
                           tokens["access_token"]).get_json()
        assert body["active"] is True and AUD[product] in body["aud"]
        assert body["org_id"] == org_id and body["plan"] == "duo"


def test_a_product_api_outside_the_audience_gets_inactive(apps, app, user, make_client):
    org(app, user["email"], "duo")
    tokens = apps["project"].tokens()
    asset_api = _api(make_client, "asset")
    assert _introspect(apps["project"].web, asset_api,
                       tokens["access_token"]).get_json() == {"active": False}


def test_a_narrowed_token_is_readable_only_by_its_resource(apps, app, user, make_client):
    org(app, user["email"], "suite")
    tokens = apps["building"].tokens(resource=AUD["building"])
    web = apps["building"].web
    assert _introspect(web, _api(make_client, "building"), tokens["access_token"]).get_json()[
        "active"] is True
    assert _introspect(web, _api(make_client, "project"),
                       tokens["access_token"]).get_json() == {"active": False}


def test_a_token_for_the_idp_itself_is_readable_only_by_its_client(apps, app, user, make_client):
    org(app, user["email"], "suite")
    tokens = apps["portal"].tokens()  # the account portal: aud is the issuer
    for product in AUD:
        assert _introspect(apps["portal"].web, _api(make_client, product),
                           tokens["access_token"]).get_json() == {"active": False}


def test_refresh_tokens_only_to_their_client_even_within_a_product(apps, app, user, make_client):
    org(app, user["email"], "suite")
    tokens = apps["building"].tokens()
    api = _api(make_client, "building")
    assert _introspect(apps["building"].web, api, tokens["refresh_token"],
                       token_type_hint="refresh_token").get_json() == {"active": False}


def test_a_client_credentials_token_is_private_to_its_client(app, web, make_client):
    worker = make_client(grant_types=["client_credentials"], redirect_uri=None, redirect_uris=[])
    token = web.post("/oauth2/token", data={"grant_type": "client_credentials"},
                     headers=basic(worker["client_id"], worker["client_secret"])).get_json()
    assert _introspect(web, _api(make_client, "building"),
                       token["access_token"]).get_json() == {"active": False}
    assert _introspect(web, worker, token["access_token"]).get_json()["active"] is True
