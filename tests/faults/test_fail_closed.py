"""Issue 11 item 4: outages fail closed.

A subscription change that commits while Redis is unreachable is seen by the very next
refresh once Redis is back with everything it held (the entitlement cached before the
change is never trusted after it), and the lost access it causes (refresh families,
back-channel logout) is announced from a durable outbox once the worker runs. The CLI
and the payment webhook say that this follow-up is pending.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from idp import clock
from idp.orgs import outbox
from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import Flow, decode
from tests.sessions.conftest import Receiver


@pytest.fixture
def receiver():
    started = Receiver("asset").start()
    yield started
    started.stop()


@pytest.fixture
def on_private_redis(private_redis, instances, monkeypatch):
    """The app and every `idp` command of the test talk to the private Redis."""
    monkeypatch.setenv("IDP_REDIS_URL", private_redis.url)
    return instances(redis_url=private_redis.url)


@pytest.fixture
def suite_person(on_private_redis, user, make_client, receiver):
    """The person on plan suite, signed in to Asset (back-channel URI) and the account portal."""
    from tests.factories import make_plans, org_on_plan

    app = on_private_redis
    with app.app_context():
        make_plans()
        org_id = org_on_plan(user["email"], "suite")
    web = app.test_client()
    asset = Flow(web, make_client(first_party=True, product="asset", name="Tomps Asset",
                                  redirect_uri="https://asset.example/cb",
                                  backchannel_logout_uri=receiver.url), user)
    portal = Flow(web, make_client(first_party=True, name="Account",
                                   redirect_uri="https://account.example/cb"), user)
    tokens = {"asset": asset.tokens(scope="openid plan"),
              "portal": portal.tokens(scope="openid plan")}
    assert decode(web, tokens["portal"]["id_token"])["plan"] == "suite"  # now cached
    return {"app": app, "org_id": org_id, "asset": asset, "portal": portal, "tokens": tokens}


def _asset_family_revoked(app, user_id: int, client_id: str) -> bool:
    from idp.extensions import db
    from idp.storage.models import RefreshToken

    with app.app_context():
        rows = db.session.scalars(select(RefreshToken).where(
            RefreshToken.user_id == user_id, RefreshToken.client_id == client_id)).all()
        db.session.rollback()
        return bool(rows) and all(r.revoked_at is not None for r in rows)


def test_a_change_committed_while_redis_is_unreachable_is_never_served_from_the_old_cache(
        suite_person, private_redis, run, user, receiver):
    app, org_id = suite_person["app"], suite_person["org_id"]
    portal, asset = suite_person["portal"], suite_person["asset"]
    tokens = suite_person["tokens"]

    private_redis.stop(keep_data=True)
    code, out, err = run("subscriptions", "change-plan", str(org_id), "duo", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["plan"] == "duo" and shown["follow_up"] == "pending"
    private_redis.start()  # back, holding the entitlement cached before the change

    refreshed = portal.refresh(tokens["portal"]["refresh_token"])
    assert refreshed.status_code == 200, refreshed.get_json()
    claims = decode(portal.web, refreshed.get_json()["id_token"])
    assert claims["plan"] == "duo" and claims["products"] == ["building", "project"]
    assert_oauth_error(asset.refresh(tokens["asset"]["refresh_token"]), "invalid_grant")

    # The announcement waits in the outbox until the worker retries it...
    assert not receiver.received
    clock.advance(outbox.RETRY_BASE)
    code, out, err = run("worker", "--once")
    assert code == 0, err
    assert receiver.wait_for(1), "no back-channel logout reached Asset"
    assert _asset_family_revoked(app, user["id"], asset.client["client_id"])
    # ...once: a second round has nothing left to announce.
    run("worker", "--once")
    assert len(receiver.received) == 1
    code, out, _ = run("subscriptions", "show", str(org_id), "--json")
    assert json.loads(out)["follow_up"] == "done"


def test_the_cli_says_plainly_when_notifying_relying_parties_is_pending(
        suite_person, private_redis, run, make_client, user):
    org_id = suite_person["org_id"]
    code, out, err = run("subscriptions", "change-plan", str(org_id), "duo")  # loses Asset
    assert code == 0, err
    assert out.strip() == "moved to plan duo"  # announced at once: nothing pending
    assert run("subscriptions", "change-plan", str(org_id), "suite")[0] == 0

    private_redis.stop(keep_data=True)
    code, out, err = run("orgs", "remove-member", str(org_id), user["email"])
    assert code == 0, err
    assert out.splitlines()[0] == f"removed {user['email']}"
    assert "notifying relying parties is pending" in out and "idp worker" in out
    private_redis.start()


def test_the_webhook_says_when_the_follow_up_is_pending(on_private_redis, private_redis, run,
                                                        make_client, receiver, midtrans,
                                                        configure):
    from idp.billing.orders import create_order
    from tests.billing.conftest import confirm
    from tests.factories import SERVER_KEY, make_member, make_org, make_plan, midtrans_body

    app = on_private_redis
    configure(app, midtrans_server_key=SERVER_KEY, midtrans_api_url=midtrans.url)
    with app.app_context():
        org, plan = make_org("acme"), make_plan()
        member = make_member(org, "owner")
        order, _ = create_order(org, plan)
        ref, org_id = order.gateway_order_id, org.id
    web = app.test_client()

    def notify(body):
        confirm(midtrans, body)  # the gateway's Get Status agrees, as for a genuine one
        return web.post("/billing/notifications/midtrans", data=body,
                        content_type="application/json")

    paid = notify(midtrans_body(ref, txid="tx-1"))
    assert paid.status_code == 200 and paid.get_json()["follow_up"] == "done"
    asset = Flow(web, make_client(first_party=True, product="asset", name="Tomps Asset",
                                  redirect_uri="https://asset.example/cb",
                                  backchannel_logout_uri=receiver.url), member)
    tokens = asset.tokens()

    private_redis.stop(keep_data=True)
    refunded = notify(midtrans_body(ref, status="refund", txid="tx-2"))
    assert refunded.status_code == 200, refunded.get_json()
    assert refunded.get_json()["follow_up"] == "pending"
    private_redis.start()
    assert_oauth_error(asset.refresh(tokens["refresh_token"]), "invalid_grant")
    clock.advance(outbox.RETRY_BASE)
    assert run("worker", "--once")[0] == 0
    assert receiver.wait_for(1)
    assert _asset_family_revoked(app, member["id"], asset.client["client_id"])
    with app.app_context():
        assert outbox.pending(org_id) == 0


def test_without_redis_the_entitlement_is_read_from_postgres(private_redis, instances, user):
    from idp.orgs import entitlements as ent
    from idp.orgs import subscriptions
    from tests.factories import make_plans, org_on_plan

    app = instances(redis_url=private_redis.url)
    with app.app_context():
        make_plans()
        org_id = org_on_plan(user["email"], "duo")
        assert ent.resolve(user["id"], org_id).products == ("building", "project")  # cached
        private_redis.stop()
        subscriptions.cancel(org_id)  # committed; announcing it waits for Redis
        refused = ent.resolve(user["id"], org_id)
        assert not refused.allowed and refused.reason == "cancelled"
