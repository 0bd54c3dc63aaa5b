"""Issue 11 item 5: a revoked access token stays revoked when Redis loses its data.

Revocations (revocation endpoint, code replay, key revocation) are kept in Postgres
until the token's ``exp``; Redis is their cache. A Redis restarted empty, or one that is
down, never brings a token back: userinfo and introspection refuse it.
"""

from __future__ import annotations

import pytest

from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import Flow, basic


@pytest.fixture
def oidc_app(private_redis, instances):
    return instances(redis_url=private_redis.url)


@pytest.fixture
def flow(oidc_app, user, make_client):
    return Flow(oidc_app.test_client(), make_client(first_party=True), user)


def _userinfo(flow, access_token):
    return flow.web.get("/oauth2/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def _introspect(flow, token):
    client = flow.client
    resp = flow.web.post("/oauth2/introspect", data={"token": token},
                         headers=basic(client["client_id"], client["client_secret"]))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _refused(flow, access_token) -> None:
    assert_oauth_error(_userinfo(flow, access_token), "invalid_token", status=401)
    assert _introspect(flow, access_token) == {"active": False}


def _revoke(flow, token) -> None:
    client = flow.client
    resp = flow.web.post("/oauth2/revoke", data={"token": token},
                         headers=basic(client["client_id"], client["client_secret"]))
    assert resp.status_code == 200


def test_a_revoked_token_stays_revoked_after_redis_restarts_empty(flow, private_redis):
    tokens, other = flow.tokens(), flow.tokens()
    _revoke(flow, tokens["access_token"])
    _refused(flow, tokens["access_token"])

    private_redis.stop()
    private_redis.start()  # empty
    _refused(flow, tokens["access_token"])
    assert _userinfo(flow, other["access_token"]).status_code == 200  # the rest lives on
    _refused(flow, tokens["access_token"])  # and again, once the cache is loaded


def test_a_flushed_redis_does_not_bring_a_revoked_token_back(oidc_app, flow):
    from idp.storage.store import get_store

    tokens = flow.tokens()
    _revoke(flow, tokens["access_token"])
    with oidc_app.app_context():
        get_store().client.flushall()
    _refused(flow, tokens["access_token"])


def test_what_a_replayed_code_issued_stays_revoked_after_redis_restarts(flow, private_redis):
    code = flow.code()
    first = flow.exchange(code)
    assert first.status_code == 200
    assert_oauth_error(flow.exchange(code), "invalid_grant")  # the replay revokes it
    access = first.get_json()["access_token"]
    _refused(flow, access)

    private_redis.stop()
    private_redis.start()
    _refused(flow, access)
    assert_oauth_error(flow.refresh(first.get_json()["refresh_token"]), "invalid_grant")


def test_tokens_of_a_revoked_key_stay_refused_with_an_empty_redis(oidc_app, flow, private_redis):
    from idp.keystore.revocation import revoke
    from tests.oidc.conftest import header

    tokens = flow.tokens()
    with oidc_app.app_context():
        revoke(header(tokens["access_token"])["kid"])  # another key takes over
    _refused(flow, tokens["access_token"])

    private_redis.stop()
    private_redis.start()
    _refused(flow, tokens["access_token"])
    assert _userinfo(flow, flow.tokens()["access_token"]).status_code == 200  # the new key


def test_while_redis_is_down_revocations_are_read_from_postgres(flow, private_redis):
    tokens, other = flow.tokens(), flow.tokens()
    _revoke(flow, tokens["access_token"])

    private_redis.stop()
    # Fail closed: the revoked token is refused (not 503, never 200)...
    assert_oauth_error(_userinfo(flow, tokens["access_token"]), "invalid_token", status=401)
    # ...and a live one is still served, its revocation checked in Postgres.
    resp = _userinfo(flow, other["access_token"])
    assert resp.status_code == 200, resp.get_json()
    private_redis.start()
    _refused(flow, tokens["access_token"])


def test_revocations_are_kept_until_the_token_expires_then_pruned(oidc_app, flow):
    from sqlalchemy import func, select

    from idp import clock
    from idp.extensions import db
    from idp.oidc import revocations
    from idp.storage.models import RevokedToken

    tokens = flow.tokens()
    _revoke(flow, tokens["access_token"])
    with oidc_app.app_context():
        assert revocations.prune() == 0  # not expired yet
        clock.advance(oidc_app.config["IDP"].access_token_lifetime + 1)
        assert revocations.prune() == 1
        assert db.session.scalar(select(func.count()).select_from(RevokedToken)) == 0
