"""Refresh token rotation with a grace window and families (RFC 9700 §4.14.2)."""

import threading

import pytest
from sqlalchemy import select

from idp import clock
from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import Flow, decode, dispose

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def test_refresh_rotates_the_token(flow):
    tokens = flow.tokens()
    resp = flow.refresh(tokens["refresh_token"])
    assert resp.status_code == 200, resp.get_json()
    new = resp.get_json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["access_token"] != tokens["access_token"]


def test_refresh_returns_an_id_token_with_the_same_subject_and_auth_time(flow, web):
    tokens = flow.tokens()
    new = flow.refresh(tokens["refresh_token"]).get_json()
    old_claims, new_claims = decode(web, tokens["id_token"]), decode(web, new["id_token"])
    assert new_claims["sub"] == old_claims["sub"]
    assert new_claims["auth_time"] == old_claims["auth_time"]
    assert "nonce" not in new_claims


def test_the_successor_works(flow):
    tokens = flow.tokens()
    second = flow.refresh(tokens["refresh_token"]).get_json()
    clock.advance(10)
    assert flow.refresh(second["refresh_token"]).status_code == 200


def test_retry_inside_grace_gets_the_same_pair(flow):
    tokens = flow.tokens()
    first = flow.refresh(tokens["refresh_token"]).get_json()
    again = flow.refresh(tokens["refresh_token"]).get_json()
    assert again == first


def test_reuse_after_grace_revokes_the_family(flow):
    tokens = flow.tokens()
    successor = flow.refresh(tokens["refresh_token"]).get_json()
    clock.advance(6)
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")
    assert_oauth_error(flow.refresh(successor["refresh_token"]), "invalid_grant")


def test_unknown_refresh_token(flow):
    assert_oauth_error(flow.refresh("x" * 64), "invalid_grant")


def test_expired_refresh_token(flow):
    tokens = flow.tokens()
    clock.advance(2592000 + 1)
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")


def test_refresh_token_of_another_client(flow, web, make_client):
    tokens = flow.tokens()
    other = Flow(web, make_client(first_party=True), flow.user)
    assert_oauth_error(other.refresh(tokens["refresh_token"]), "invalid_grant")


def test_scope_may_narrow_but_not_widen(flow):
    tokens = flow.tokens()
    assert_oauth_error(flow.refresh(tokens["refresh_token"], scope="openid plan"),
                       "invalid_scope")
    narrowed = flow.refresh(tokens["refresh_token"], scope="openid").get_json()
    assert narrowed["scope"] == "openid"


def test_tokens_are_stored_hashed(ctx, flow):
    from idp.extensions import db
    from idp.storage.models import RefreshToken

    tokens = flow.tokens()
    stored = db.session.scalars(select(RefreshToken.token_hash)).all()
    assert tokens["refresh_token"] not in stored and len(stored) == 1


def test_third_party_without_offline_access_gets_no_refresh_token(third_flow):
    third_flow.login()
    tokens = _consented_tokens(third_flow, scope="openid profile")
    assert "refresh_token" not in tokens


def test_third_party_with_offline_access_gets_one(third_flow):
    third_flow.login()
    tokens = _consented_tokens(third_flow, scope="openid offline_access")
    assert "refresh_token" in tokens


def _consented_tokens(f, **extra):
    from tests.helpers.web import csrf_token
    from tests.oidc.conftest import query

    resp = f.authorize(**extra)
    page = f.web.get(resp.headers["Location"])
    interaction = query(resp.headers["Location"])["interaction"]
    done = f.web.post("/consent", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                               "interaction": interaction, "allow": "Allow"})
    code = query(done.headers["Location"])["code"]
    return f.exchange(code).get_json()


def _race(app, flow, token, n=20, other_app=None):
    barrier = threading.Barrier(n)
    results = [None] * n

    def use(i):
        client = (other_app if other_app is not None and i % 2 else app).test_client()
        barrier.wait()
        results[i] = flow.refresh(token, client=client)

    threads = [threading.Thread(target=use, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_concurrent_uses_get_the_same_successor(app, flow):
    tokens = flow.tokens()
    results = _race(app, flow, tokens["refresh_token"])
    assert all(r.status_code == 200 for r in results), [r.get_json() for r in results]
    assert len({r.get_json()["refresh_token"] for r in results}) == 1
    assert len({r.get_json()["access_token"] for r in results}) == 1


def test_concurrent_uses_rotate_exactly_once(app, ctx, flow):
    from idp.extensions import db
    from idp.storage.models import RefreshToken

    tokens = flow.tokens()
    _race(app, flow, tokens["refresh_token"])
    db.session.expire_all()
    rows = db.session.scalars(select(RefreshToken)).all()
    assert len(rows) == 2 and sum(r.rotated_at is None for r in rows) == 1


def test_disabled_person_cannot_refresh(flow, app):
    from idp.extensions import db
    from idp.storage.models import User

    tokens = flow.tokens()
    with app.app_context():
        db.session.get(User, flow.user["id"]).disabled = True
        db.session.commit()
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")


def test_public_client_refresh_rotates(public_flow):
    tokens = public_flow.tokens()
    new = public_flow.refresh(tokens["refresh_token"]).get_json()
    assert new["refresh_token"] != tokens["refresh_token"]


def test_concurrent_uses_across_two_instances_get_the_same_successor(app, flow, services_app):
    from tests.conftest import make_app

    tokens = flow.tokens()
    second = make_app()
    second.config["TESTING"] = True
    try:
        results = _race(app, flow, tokens["refresh_token"], other_app=second)
    finally:
        dispose(second)
    assert all(r.status_code == 200 for r in results), [r.get_json() for r in results]
    assert len({r.get_json()["refresh_token"] for r in results}) == 1


def test_a_rotation_that_fails_before_its_commit_leaves_the_token_unused(app, flow, monkeypatch):
    # The claim, the successor and the "token.issued" row are one transaction: a failure
    # rolls all three back, so the same token still rotates (and is not a "reuse").
    from sqlalchemy.exc import OperationalError

    from idp.oidc import refresh

    tokens = flow.tokens()
    real_issue = refresh.issue

    def failing_issue(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("connection lost"))

    monkeypatch.setattr(refresh, "issue", failing_issue)
    assert flow.refresh(tokens["refresh_token"]).status_code == 503
    assert _refresh_issues(app) == 0
    monkeypatch.setattr(refresh, "issue", real_issue)
    resp = flow.refresh(tokens["refresh_token"])
    assert resp.status_code == 200, resp.get_json()
    assert _refresh_issues(app) == 1


def _refresh_issues(app) -> int:
    from idp import audit

    with app.app_context():
        return sum(e.reason == "refresh_token" for e in audit.search(type="token.issued"))


def test_the_answer_a_retry_needs_is_kept_sealed_and_only_for_the_grace_window(app, flow):
    from idp.extensions import db
    from idp.oidc import jobs
    from idp.storage.models import RefreshToken

    tokens = flow.tokens()
    new = flow.refresh(tokens["refresh_token"]).get_json()
    with app.app_context():
        kept = db.session.scalar(select(RefreshToken.successor_response)
                                 .where(RefreshToken.rotated_at.is_not(None)))
        assert kept and new["refresh_token"] not in kept and new["access_token"] not in kept
        assert jobs.forget_successor_responses() == 0  # still inside the window
        clock.advance(app.config["IDP"].refresh_token_grace + 1)
        assert jobs.forget_successor_responses() == 1
        assert db.session.scalar(select(RefreshToken.successor_response)
                                 .where(RefreshToken.rotated_at.is_not(None))) is None
    assert flow.refresh(new["refresh_token"]).status_code == 200
