"""The embedded default (SQLite, in-process store) runs the same fail-closed code path:
the successor answer kept with the rotation, durable revocations, the entitlement
version stamped by triggers and the lost-access outbox (issue 11 items 4, 5, 11)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import Flow, basic


@pytest.fixture
def embedded(tmp_path):
    from idp.extensions import db
    from tests.conftest import make_embedded_app

    app = make_embedded_app(tmp_path)
    app.config["TESTING"] = True
    with app.app_context():
        from idp.accounts.users import create_user
        from idp.clients.registry import create_client
        from idp.keystore.keys import new_key
        from idp.orgs.organizations import add_member, create_organization
        from idp.orgs.subscriptions import start
        from idp.storage import migrate
        from tests.factories import make_plans

        migrate.upgrade()
        user = create_user("lite@example.com", PASSWORD, email_verified=True)
        new_key("RS256", state="active")
        db.session.commit()
        make_plans()
        org = create_organization("Lite Ltd")
        add_member(org.id, user.email, "owner")
        start(org.id, "suite")
        client, secret = create_client("Asset", ["https://asset.example/cb"], first_party=True,
                                       product="asset")
        app.test_data = {"org_id": org.id, "user": {"id": user.id, "email": user.email,
                                                    "password": PASSWORD},
                         "client": {"client_id": client.client_id, "client_secret": secret,
                                    "redirect_uri": "https://asset.example/cb", "public": False}}
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_embedded_default_fails_closed_the_same_way(embedded):
    from idp.extensions import db
    from idp.orgs import outbox, subscriptions
    from idp.storage.models import EntitlementAnnouncement, RevokedToken

    data = embedded.test_data
    flow = Flow(embedded.test_client(), data["client"], data["user"])
    tokens = flow.tokens(scope="openid plan")
    first = flow.refresh(tokens["refresh_token"])
    assert first.status_code == 200, first.get_json()
    assert flow.refresh(tokens["refresh_token"]).get_json() == first.get_json()  # kept answer

    access = first.get_json()["access_token"]
    auth = basic(data["client"]["client_id"], data["client"]["client_secret"])
    assert flow.web.post("/oauth2/revoke", data={"token": access}, headers=auth).status_code == 200
    assert_oauth_error(flow.web.get("/oauth2/userinfo",
                                    headers={"Authorization": f"Bearer {access}"}),
                       "invalid_token", status=401)

    with embedded.app_context():
        assert db.session.scalar(select(RevokedToken.jti)) is not None
        subscriptions.change_plan(data["org_id"], "duo")  # Asset is lost
        (row,) = db.session.scalars(select(EntitlementAnnouncement)).all()
        assert row.lost_products == {str(data["user"]["id"]): ["asset"]}
        assert outbox.pending(data["org_id"]) == 0
    assert_oauth_error(flow.refresh(first.get_json()["refresh_token"]), "invalid_grant")
