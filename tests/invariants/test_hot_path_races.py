"""Issue 16 item 4: the invariants under the hot path (storage/hot.py), with real threads
and two app instances ("workers") on the same Postgres and Redis.

- 20 threads on one refresh token: one rotation in ONE statement; the losers write
  nothing — no successor row and no audit row — and get the winner's pair;
- a revocation at one instance is seen at once by the other's userinfo and introspection
  (the marks live in the shared store; nothing is cached per process).
"""

from __future__ import annotations

from sqlalchemy import func, select

from tests.helpers.oauth import assert_oauth_error
from tests.invariants.test_code_and_refresh_races import N, _together
from tests.oidc.conftest import basic


def _count(app, model, *where):
    from idp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_twenty_threads_one_rotation_one_audit_row(app, instances, flow):
    from idp.storage.models import AuditEvent, RefreshToken

    tokens = flow.tokens()
    issued = (AuditEvent.type == "token.issued", AuditEvent.reason == "refresh_token")
    assert _count(app, AuditEvent, *issued) == 0
    other = instances()
    results = _together(N, lambda i: flow.refresh(
        tokens["refresh_token"], client=(other if i % 2 else app).test_client()))
    assert all(r.status_code == 200 for r in results), [r.get_json() for r in results]
    assert len({r.get_json()["refresh_token"] for r in results}) == 1
    assert _count(app, RefreshToken) == 2  # the first token and its one successor
    assert _count(app, AuditEvent, *issued) == 1
    for r in results:  # RFC 6749 §5.1
        assert r.headers["Cache-Control"] == "no-store" and r.headers["Pragma"] == "no-cache"


def test_a_revocation_is_seen_at_once_by_the_other_instance(app, instances, flow):
    tokens = flow.tokens()
    other = instances().test_client()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    auth = basic(flow.client["client_id"], flow.client["client_secret"])
    assert other.get("/oauth2/userinfo", headers=bearer).status_code == 200
    seen = other.post("/oauth2/introspect", data={"token": tokens["access_token"]}, headers=auth)
    assert seen.get_json()["active"] is True
    revoked = flow.web.post("/oauth2/revoke", data={"token": tokens["access_token"]}, headers=auth)
    assert revoked.status_code == 200
    assert other.get("/oauth2/userinfo", headers=bearer).status_code == 401
    seen = other.post("/oauth2/introspect", data={"token": tokens["access_token"]}, headers=auth)
    assert seen.get_json() == {"active": False}
    # The refresh token's family, revoked at one instance, is refused at the other.
    flow.web.post("/oauth2/revoke", data={"token": tokens["refresh_token"]}, headers=auth)
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert_oauth_error(other.post("/oauth2/token", data=data, headers=auth), "invalid_grant")
