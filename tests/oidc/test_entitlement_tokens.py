"""What tokens carry after the gate: plan claims, product audiences, the exp cap, and
the re-check on every refresh (issue 7 items 4-6)."""

import pytest

from idp import clock
from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import ISSUER, basic, decode, org, query

AUD = {p: f"https://{p}.tomps.example" for p in ("building", "project", "asset")}
ALL = sorted(AUD.values())
PLAN_CLAIMS = {"org_id", "org_name", "org_role", "plan", "plan_name", "plan_tier",
               "plan_status", "products", "limits", "plan_period_end"}


def _change_plan(app, org_id, plan):
    from idp.orgs import subscriptions

    with app.app_context():
        subscriptions.change_plan(org_id, plan)


def test_tokens_carry_plan_claims_and_product_audiences(apps, app, user):
    org_id = org(app, user["email"], "suite", name="Acme")
    flow = apps["building"]
    tokens = flow.tokens()
    access, id_token = decode(flow.web, tokens["access_token"]), decode(flow.web, tokens["id_token"])
    assert access["aud"] == ALL
    for claims in (access, id_token):
        assert PLAN_CLAIMS <= set(claims)
        assert claims["org_id"] == org_id and claims["org_name"] == "Acme"
        assert claims["plan"] == "suite" and claims["plan_status"] == "active"
        assert claims["products"] == ["asset", "building", "project"]
    assert id_token["aud"] == flow.client["client_id"]


def test_userinfo_and_introspection_accept_the_product_audience_token(apps, app, user):
    org_id = org(app, user["email"], "duo")
    flow = apps["project"]
    tokens = flow.tokens()
    info = flow.web.get("/oauth2/userinfo",
                        headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 200 and info.get_json()["org_id"] == org_id
    assert info.get_json()["products"] == ["building", "project"]
    resp = flow.web.post("/oauth2/introspect", data={"token": tokens["access_token"]},
                         headers=basic(flow.client["client_id"], flow.client["client_secret"]))
    body = resp.get_json()
    assert body["active"] is True and body["aud"] == [AUD["building"], AUD["project"]]
    assert body["plan"] == "duo" and body["org_id"] == org_id


def test_third_party_gets_plan_claims_in_id_token_and_userinfo_only_with_plan_scope(
        app, web, user, make_client):
    from tests.factories import make_plans
    from tests.oidc.conftest import Flow

    with app.app_context():
        make_plans()
    org(app, user["email"], "suite")
    flow = Flow(web, make_client(first_party=False, product="asset",
                                 redirect_uri="https://third.example/cb"), user)
    flow.login()
    from idp.oidc import consent

    with app.app_context():
        consent.remember(user["id"], flow.client["client_id"], "openid profile email plan")
    for scope, expected in (("openid profile", False), ("openid plan", True)):
        tokens = flow.exchange(flow.code(scope=scope)).get_json()
        id_token = decode(web, tokens["id_token"])
        assert ("plan" in id_token) is expected, scope
        assert "plan" in decode(web, tokens["access_token"])  # access tokens always
        info = web.get("/oauth2/userinfo",
                       headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()
        assert ("org_id" in info) is expected, scope


def test_exp_capped_at_period_end(apps, app, user):
    org(app, user["email"], "suite")
    clock.advance(30 * 86400 - 120)  # two minutes of the period left
    flow = apps["asset"]
    tokens = flow.tokens()
    access, id_token = decode(flow.web, tokens["access_token"]), decode(flow.web, tokens["id_token"])
    end = access["plan_period_end"]
    assert access["exp"] == end and id_token["exp"] == end
    assert tokens["expires_in"] == end - access["iat"] <= 120


def test_refresh_caps_exp_at_period_end(apps, app, user):
    """DESIGN "Tokens": no token outlives its entitlement — a refresh too (a refresh grant
    that dropped the cap passed the whole suite before this test)."""
    org(app, user["email"], "suite")
    flow = apps["asset"]
    tokens = flow.tokens()  # a month left: not capped
    assert decode(flow.web, tokens["access_token"])["exp"] < \
        decode(flow.web, tokens["access_token"])["plan_period_end"]
    clock.advance(30 * 86400 - 120)  # two minutes of the period left
    resp = flow.refresh(tokens["refresh_token"])
    assert resp.status_code == 200, resp.get_data(as_text=True)
    fresh = resp.get_json()
    access, id_token = decode(flow.web, fresh["access_token"]), decode(flow.web, fresh["id_token"])
    end = access["plan_period_end"]
    assert access["exp"] == end and id_token["exp"] == end
    assert fresh["expires_in"] == end - access["iat"] <= 120


def test_exp_cap_includes_the_configured_grace(apps, app, user, configure):
    configure(entitlement_grace=60)
    org(app, user["email"], "suite")
    clock.advance(30 * 86400 - 120)
    tokens = apps["asset"].tokens()
    access = decode(apps["asset"].web, tokens["access_token"])
    assert access["exp"] == access["plan_period_end"] + 60


def test_period_ending_between_two_requests(apps, app, user):
    org(app, user["email"], "starter")
    flow = apps["building"]
    clock.advance(30 * 86400 - 60)
    tokens = flow.tokens()
    clock.advance(61)  # no job has run: the gate judges the period end itself
    body = assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")
    assert body["error_description"].startswith("Your organisation's plan ended on ")
    assert flow.authorize().status_code == 403


def test_plan_change_shows_on_next_refresh_and_next_authorize(apps, app, user):
    org_id = org(app, user["email"], "starter")
    building = apps["building"]
    tokens = building.tokens()
    assert apps["project"].authorize().status_code == 403
    _change_plan(app, org_id, "suite")
    fresh = building.refresh(tokens["refresh_token"]).get_json()
    access = decode(building.web, fresh["access_token"])
    assert access["plan"] == "suite" and access["aud"] == ALL
    assert decode(building.web, fresh["id_token"])["products"] == ["asset", "building", "project"]
    assert "code" in query(apps["project"].authorize().headers["Location"])  # no login form


def test_downgrade_refuses_refresh_for_the_lost_product_only(apps, app, user):
    org_id = org(app, user["email"], "suite")
    building_tokens = apps["building"].tokens()
    project_tokens = apps["project"].tokens()
    _change_plan(app, org_id, "starter")
    body = assert_oauth_error(apps["project"].refresh(project_tokens["refresh_token"]),
                              "invalid_grant")
    assert body["error_description"] == ("Tomps Project is not included in your "
                                         "organisation's plan.")
    ok = apps["building"].refresh(building_tokens["refresh_token"])
    assert ok.status_code == 200
    assert decode(apps["building"].web, ok.get_json()["access_token"])["aud"] == [AUD["building"]]


def test_removed_member_refresh_says_so(apps, app, user):
    from idp.orgs.organizations import remove_member

    org_id = org(app, user["email"], "suite")
    tokens = apps["building"].tokens()
    with app.app_context():
        remove_member(org_id, user["email"])
    body = assert_oauth_error(apps["building"].refresh(tokens["refresh_token"]), "invalid_grant")
    assert body["error_description"] == "You are not a member of this organisation."


def test_pending_refusal_keeps_the_refresh_token_for_after_payment(apps, app, user):
    from idp.orgs import subscriptions

    org_id = org(app, user["email"], "suite")
    tokens = apps["asset"].tokens()
    with app.app_context():
        subscriptions.mark_past_due(org_id)
    body = assert_oauth_error(apps["asset"].refresh(tokens["refresh_token"]), "invalid_grant")
    assert "past due" in body["error_description"]


@pytest.mark.parametrize("where", ["authorize", "token"])
def test_resource_narrows_the_audience(apps, app, user, where):
    org(app, user["email"], "suite")
    flow = apps["building"]
    if where == "authorize":
        tokens = flow.exchange(flow.code(resource=AUD["project"])).get_json()
    else:
        tokens = flow.exchange(flow.code(), resource=AUD["project"]).get_json()
    assert decode(flow.web, tokens["access_token"])["aud"] == [AUD["project"]]
    fresh = flow.refresh(tokens["refresh_token"], resource=AUD["building"]).get_json()
    assert decode(flow.web, fresh["access_token"])["aud"] == [AUD["building"]]


def test_several_resources_at_authorize(apps, app, user):
    org(app, user["email"], "suite")
    flow = apps["building"]
    flow.login()
    resp = flow.web.get("/oauth2/authorize", query_string=[
        *flow.params().items(), ("resource", AUD["asset"]), ("resource", AUD["project"])])
    tokens = flow.exchange(query(resp.headers["Location"])["code"]).get_json()
    assert decode(flow.web, tokens["access_token"])["aud"] == [AUD["asset"], AUD["project"]]


def test_several_resources_at_the_token_endpoint(apps, app, user):
    org(app, user["email"], "suite")
    flow = apps["asset"]
    data = {"grant_type": "authorization_code", "code": flow.code(),
            "redirect_uri": flow.client["redirect_uri"], "code_verifier": flow.verifier}
    from werkzeug.datastructures import MultiDict

    body = MultiDict([*data.items(), ("resource", AUD["building"]), ("resource", AUD["asset"])])
    resp = flow.web.post("/oauth2/token", data=body,
                         headers=basic(flow.client["client_id"], flow.client["client_secret"]))
    assert resp.status_code == 200, resp.get_json()
    assert decode(flow.web, resp.get_json()["access_token"])["aud"] == [AUD["building"],
                                                                        AUD["asset"]]


def test_resource_outside_the_plan_at_authorize_is_invalid_target(apps, app, user):
    org(app, user["email"], "starter")
    flow = apps["building"]
    flow.login()
    params = query(flow.authorize(resource=AUD["project"], state="s-3").headers["Location"])
    assert params["error"] == "invalid_target" and params["state"] == "s-3"
    assert "code" not in params


def test_resource_outside_the_plan_at_token_endpoint_is_invalid_target(apps, app, user):
    org(app, user["email"], "starter")
    flow = apps["building"]
    assert_oauth_error(flow.exchange(flow.code(), resource=AUD["asset"]), "invalid_target")
    tokens = flow.tokens()
    assert_oauth_error(flow.refresh(tokens["refresh_token"], resource="https://evil.example"),
                       "invalid_target")


def test_token_request_cannot_widen_the_authorized_resources(apps, app, user):
    org(app, user["email"], "suite")
    flow = apps["building"]
    code = flow.code(resource=AUD["project"])
    assert_oauth_error(flow.exchange(code, resource=AUD["asset"]), "invalid_target")


def test_portal_resource_may_only_be_the_issuer(apps, app, user):
    org(app, user["email"], "suite")
    flow = apps["portal"]
    tokens = flow.tokens(resource=ISSUER)
    assert decode(flow.web, tokens["access_token"])["aud"] == [ISSUER]
    flow_params = query(flow.authorize(resource=AUD["asset"]).headers["Location"])
    assert flow_params["error"] == "invalid_target"


def test_discovery_lists_the_plan_scope_and_claims(web):
    meta = web.get("/.well-known/openid-configuration").get_json()
    assert "plan" in meta["scopes_supported"]
    assert PLAN_CLAIMS <= set(meta["claims_supported"])


def test_second_instance_sees_a_change_made_through_the_first(apps, app, user):
    from tests.conftest import dispose, make_app

    org_id = org(app, user["email"], "starter")
    other = make_app()
    other.config["TESTING"] = True
    try:
        flow = apps["project"]
        flow.web = other.test_client()
        flow.login()
        assert flow.authorize().status_code == 403  # instance 2 has cached "starter"
        _change_plan(app, org_id, "suite")  # through instance 1
        resp = flow.authorize()
        assert "code" in query(resp.headers["Location"])
    finally:
        dispose(other)
