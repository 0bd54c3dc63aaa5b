"""entitlements_changed: only the clients of the products a person lost get a logout token."""

from __future__ import annotations

from idp import events
from tests.sessions.conftest import deliveries, run_worker


def _changed(app, user_id, lost, reason="plan_downgraded"):
    with app.app_context():
        events.entitlements_changed.send(None, organization_id=1, user_ids=[user_id],
                                         lost_products={user_id: set(lost)}, reason=reason)


def test_only_the_lost_products_receive_a_logout_token(app, user, rp_clients, receivers,
                                                       signed_in):
    from idp.sessions import store as sso

    _changed(app, user["id"], {"asset"})
    run_worker(app)
    assert len(receivers["asset"].received) == 1
    assert not receivers["building"].received and not receivers["project"].received
    (row,) = deliveries(app)
    assert row["reason"] == "entitlement:plan_downgraded" and row["status"] == "delivered"
    with app.app_context():
        live = sso.get(signed_in)
        assert live is not None  # the SSO session and the other products live on
        assert rp_clients["asset"]["client_id"] not in live.clients
        assert len(live.clients) == 2


def test_member_removed_logs_out_every_lost_product_but_not_the_account_portal(
        app, user, make_client, rp_clients, receivers, signed_in):
    from idp.sessions import store as sso

    portal = make_client(name="Account", first_party=True,
                         backchannel_logout_uri=receivers["asset"].url.replace(
                             "backchannel-logout", "portal"))
    with app.app_context():
        sso.add_client(sso.get(signed_in), portal["client_id"])
    _changed(app, user["id"], {"building", "project", "asset"}, reason="member_removed")
    run_worker(app)
    sent_to = {d["client_id"] for d in deliveries(app)}
    assert sent_to == {c["client_id"] for c in rp_clients.values()}
    assert portal["client_id"] not in sent_to
    assert [len(r.received) for r in receivers.values()] == [1, 1, 1]


def test_a_lost_product_the_session_never_used_sends_nothing(app, user, make_client,
                                                             receivers, signed_in):
    _changed(app, user["id"], set())
    _changed(app, 999999, {"asset"})
    run_worker(app)
    assert deliveries(app) == []


def test_every_session_of_the_person_is_covered(app, user, rp_clients, receivers, signed_in):
    from idp.sessions import store as sso

    with app.app_context():
        second = sso.create(user["id"], ["pwd"])
        sso.add_client(second, rp_clients["project"]["client_id"])
    _changed(app, user["id"], {"project"})
    run_worker(app)
    assert sorted(d["sid"] for d in deliveries(app)) == sorted([signed_in, second.sid])
    assert len(receivers["project"].received) == 2
