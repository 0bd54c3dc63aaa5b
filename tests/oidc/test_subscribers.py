"""Refresh tokens react to events of other parts (idp.events)."""

from idp import events
from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import Flow, header


def test_session_end_revokes_its_refresh_tokens(flow, app):
    tokens = flow.tokens()
    sid = _sid(app, flow)
    with app.app_context():
        events.session_ended.send(None, sid=sid, user_id=flow.user["id"], clients=[],
                                  reason="logout")
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")


def test_session_end_keeps_offline_tokens(flow, app):
    tokens = flow.tokens(scope="openid offline_access")
    with app.app_context():
        events.session_ended.send(None, sid=_sid(app, flow), user_id=flow.user["id"],
                                  clients=[], reason="logout")
    assert flow.refresh(tokens["refresh_token"]).status_code == 200


def test_key_revoked_revokes_families_it_signed(flow, app):
    tokens = flow.tokens()
    with app.app_context():
        events.key_revoked.send(None, kid=header(tokens["access_token"])["kid"])
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")


def test_other_kid_changes_nothing(flow, app):
    tokens = flow.tokens()
    with app.app_context():
        events.key_revoked.send(None, kid="another-kid")
    assert flow.refresh(tokens["refresh_token"]).status_code == 200


def test_lost_product_revokes_that_products_clients_only(web, user, make_client, app):
    from tests.factories import make_plans, org_on_plan

    with app.app_context():
        make_plans()
        org_on_plan(user["email"], "suite")
    building = Flow(web, make_client(first_party=True, product="building"), user)
    project = Flow(web, make_client(first_party=True, product="project",
                                    redirect_uri="https://p.example/cb"), user)
    b_tokens, p_tokens = building.tokens(), project.tokens()
    with app.app_context():
        events.entitlements_changed.send(None, organization_id=1, user_ids=[user["id"]],
                                         lost_products={user["id"]: {"building"}},
                                         reason="plan_changed")
    assert_oauth_error(building.refresh(b_tokens["refresh_token"]), "invalid_grant")
    assert project.refresh(p_tokens["refresh_token"]).status_code == 200


def test_membership_removed_revokes_productless_clients(flow, app):
    tokens = flow.tokens()
    with app.app_context():
        events.entitlements_changed.send(None, organization_id=1, user_ids=[flow.user["id"]],
                                         lost_products={}, reason="membership_removed")
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")


def test_revoke_for_user_service(flow, app):
    from idp.oidc import refresh

    tokens = flow.tokens()
    with app.app_context():
        assert refresh.revoke_for_user(flow.user["id"], [flow.client["client_id"]]) == 1
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")


def _sid(app, flow):
    from idp.sessions import store as sso

    with app.app_context():
        return sso.list_for_user(flow.user["id"])[0].sid
