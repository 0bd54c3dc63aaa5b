"""Issue 6 item 7 / DESIGN invariants, with 20 real threads against Postgres and Redis:

- one authorization code redeemed by 20 threads → exactly one success, 19 invalid_grant;
  the concurrent replays revoke what the one success issued (RFC 6749 §4.1.2);
- one refresh token used by 20 threads inside the grace window → exactly one rotation,
  all 20 get the same successor pair; a use after the window revokes the family
  (RFC 9700 §4.14.2).
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from idp import clock
from tests.helpers.oauth import assert_oauth_error
from tests.oidc.conftest import basic

N = 20


def _together(n, work):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_twenty_threads_redeem_one_code_exactly_once(app, instances, flow):
    code = flow.code()
    other = instances()
    data = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": flow.client["redirect_uri"], "code_verifier": flow.verifier}
    auth = basic(flow.client["client_id"], flow.client["client_secret"])
    results = _together(N, lambda i: (other if i % 2 else app).test_client().post(
        "/oauth2/token", data=data, headers=auth))
    ok = [r for r in results if r.status_code == 200]
    assert len(ok) == 1, [r.status_code for r in results]
    for r in results:
        if r.status_code != 200:
            assert_oauth_error(r, "invalid_grant")
    # The replays revoked what the one redemption issued.
    won = ok[0].get_json()
    assert_oauth_error(flow.refresh(won["refresh_token"]), "invalid_grant")
    seen = flow.web.post("/oauth2/introspect", data={"token": won["access_token"]}, headers=auth)
    assert seen.get_json() == {"active": False}


def test_twenty_threads_refresh_once_and_share_the_successor(app, instances, flow):
    from idp.extensions import db
    from idp.storage.models import RefreshToken

    tokens = flow.tokens()
    other = instances()
    results = _together(N, lambda i: flow.refresh(
        tokens["refresh_token"], client=(other if i % 2 else app).test_client()))
    assert all(r.status_code == 200 for r in results), [r.get_json() for r in results]
    pairs = {(r.get_json()["access_token"], r.get_json()["refresh_token"]) for r in results}
    assert len(pairs) == 1
    with app.app_context():
        rows = db.session.scalars(select(RefreshToken)).all()
        assert len(rows) == 2 and sum(r.rotated_at is not None for r in rows) == 1
    ((_, successor),) = pairs

    clock.advance(app.config["IDP"].refresh_token_grace + 1)
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")  # reuse
    assert_oauth_error(flow.refresh(successor), "invalid_grant")  # the family is revoked


def test_a_replay_between_minting_and_saving_revokes_the_first_redemption(app, flow,
                                                                           monkeypatch):
    """The race path, made deterministic: the first redemption is held after it minted its
    tokens and before it records them (codes.record_issued); a replay arrives in that
    window, finds nothing to revoke yet and marks the code replayed; the first redemption
    then sees the mark and revokes what it issued (RFC 6749 §4.1.2). A save_token that
    skipped this revocation was caught by the 20-thread test in only some runs."""
    from idp.oidc import codes

    code = flow.code()
    data = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": flow.client["redirect_uri"], "code_verifier": flow.verifier}
    auth = basic(flow.client["client_id"], flow.client["client_secret"])
    held, release, first = threading.Event(), threading.Event(), {}
    record_issued = codes.record_issued

    def holding(code, issued):
        held.set()  # minted, not yet recorded
        assert release.wait(30), "the test never released the first redemption"
        return record_issued(code, issued)

    monkeypatch.setattr(codes, "record_issued", holding)

    def redeem():
        first["response"] = app.test_client().post("/oauth2/token", data=data, headers=auth)

    thread = threading.Thread(target=redeem)
    thread.start()
    try:
        assert held.wait(30), "the first redemption never reached record_issued"
        replay = app.test_client().post("/oauth2/token", data=data, headers=auth)
        assert_oauth_error(replay, "invalid_grant")
    finally:
        release.set()
        thread.join(timeout=30)
    won = first["response"]
    assert won.status_code == 200, won.get_data(as_text=True)
    tokens = won.get_json()
    assert_oauth_error(flow.refresh(tokens["refresh_token"]), "invalid_grant")
    seen = flow.web.post("/oauth2/introspect", data={"token": tokens["access_token"]},
                         headers=auth)
    assert seen.get_json() == {"active": False}
