"""Issue 5 "Done when", end to end through the real authorization server: a person signed
in to Building, Project and Asset (session.clients filled by /oauth2/authorize) logs out at
Asset with its ID token as id_token_hint; every product's receiver gets a logout token that
passes Back-Channel Logout 1.0 §2.6 validation; the session's refresh tokens are revoked
(an offline_access one survives, RP-Initiated Logout §2 / OIDC Core §11); prompt=none
then answers login_required and no client gets a code without a new login."""

from __future__ import annotations

import time

import pytest

from idp import clock
from idp.rp.backchannel import validate_logout_token
from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import Flow, decode, query
from tests.sessions.conftest import run_worker

OFFLINE = "openid offline_access"


@pytest.fixture
def entitled(app, user):
    """The person's organisation pays for all three products (the entitlement gate passes)."""
    from idp.orgs import subscriptions
    from idp.orgs.organizations import add_member, create_organization
    from idp.orgs.plans import create_plan

    with app.app_context():
        create_plan("suite", "Suite", ["building", "project", "asset"], tier=3)
        org = create_organization("Tomps Customer")
        add_member(org.id, user["email"], "owner")
        subscriptions.start(org.id, "suite")


@pytest.fixture
def products(app, web, user, make_client, receivers, entitled):
    """Three first-party product clients with local back-channel receivers, each signed in."""
    clients = {name: make_client(name=f"Tomps {name.title()}", product=name, first_party=True,
                                 redirect_uri=f"https://{name}.example/cb",
                                 post_logout_redirect_uris=[f"https://{name}.example/bye"],
                                 backchannel_logout_uri=receiver.url)
               for name, receiver in receivers.items()}
    flows = {name: Flow(web, client, user) for name, client in clients.items()}
    tokens = {name: flows[name].tokens() for name in ("building", "project", "asset")}
    return clients, flows, tokens


@pytest.fixture
def offline(app, web, user, make_client):
    """A third-party client holding an offline_access refresh token of the same person."""
    from idp.oidc import consent

    client = make_client(first_party=False, redirect_uri="https://third.example/cb")
    with app.app_context():
        consent.remember(user["id"], client["client_id"], OFFLINE)
    flow = Flow(web, client, user)
    return flow, flow.tokens(scope=OFFLINE)


def _session(app, user):
    from idp.sessions import store as sso

    with app.app_context():
        return sso.list_for_user(user["id"])


def test_logging_out_at_asset_logs_the_person_out_of_every_product(
        app, web, user, receivers, products, offline):
    clients, flows, tokens = products
    (live,) = _session(app, user)
    assert {c["client_id"] for c in clients.values()} <= set(live.clients)  # filled by /authorize
    subject = decode(web, tokens["asset"]["id_token"])["sub"]

    started = time.monotonic()
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": tokens["asset"]["id_token"], "state": "bye-42",
        "post_logout_redirect_uri": "https://asset.example/bye"})
    assert time.monotonic() - started < 2.0
    assert resp.status_code == 302
    assert resp.headers["Location"] == "https://asset.example/bye?state=bye-42"

    run_worker(app)
    jwks = web.get("/.well-known/jwks.json").get_json()
    for name, receiver in receivers.items():
        assert receiver.wait_for(1, timeout=5), f"{name} got no logout token"
        claims = validate_logout_token(receiver.tokens[0], jwks=jwks,
                                       issuer=app.config["IDP"].issuer,
                                       client_id=clients[name]["client_id"],
                                       now=clock.timestamp())
        assert claims["sid"] == live.sid and claims["sub"] == subject
    assert time.monotonic() - started < 10.0  # "within seconds"

    assert _session(app, user) == []
    for name, flow in flows.items():
        assert_oauth_error(flow.refresh(tokens[name]["refresh_token"]), "invalid_grant")
    third, third_tokens = offline
    assert third.refresh(third_tokens["refresh_token"]).status_code == 200

    for name, flow in flows.items():
        resp = flow.authorize(prompt="none")
        assert query(resp.headers["Location"])["error"] == "login_required", name
        resp = flow.authorize()
        assert resp.status_code == 302 and "/login?" in resp.headers["Location"], name
        assert "code" not in query(resp.headers["Location"])


@pytest.mark.parametrize("command", [("users", "disable"), ("sessions", "revoke-all", "--user")])
def test_operator_commands_end_back_channel_and_refresh_tokens(
        app, web, user, receivers, products, offline, command):
    from click.testing import CliRunner

    from idp.cli import cli

    _, flows, tokens = products
    result = CliRunner().invoke(cli, [*command, user["email"]], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    run_worker(app)
    for name, receiver in receivers.items():
        assert receiver.wait_for(1, timeout=5), f"{name} got no logout token"
    for name, flow in flows.items():
        assert_oauth_error(flow.refresh(tokens[name]["refresh_token"]), "invalid_grant")
    assert _session(app, user) == []


def test_session_end_and_refresh_revocation_commit_as_one_unit(app, user, products):
    """The OIDC subscriber runs inside the logout's transaction: when the unit of work fails
    after it, neither its revocations nor the delivery rows are committed."""
    from idp import events
    from idp.sessions import backchannel, service

    _, flows, tokens = products
    (live,) = _session(app, user)

    def fail_after(sender, **_):
        raise RuntimeError("a later receiver fails")

    with app.app_context(), events.session_ended.connected_to(fail_after):
        with pytest.raises(RuntimeError):
            service.end_session(live.sid)
        assert backchannel.list_deliveries(limit=10) == []
    assert flows["building"].refresh(tokens["building"]["refresh_token"]).status_code == 200
