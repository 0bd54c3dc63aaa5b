"""Back-Channel Logout 1.0 with real receivers: tokens, retries, dead letters, concurrency."""

from __future__ import annotations

import threading
import time

import pytest

from idp import clock
from idp.rp.backchannel import validate_logout_token
from tests.sessions.conftest import deliveries, mint_id_token, run_worker


def _log_out_at_asset(app, web, rp_clients, user, sid):
    hint = mint_id_token(app, rp_clients["asset"]["client_id"], user["id"], sid=sid)
    started = time.monotonic()
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": hint, "post_logout_redirect_uri": "https://asset.example/bye"})
    assert resp.status_code == 302
    return time.monotonic() - started


def _validate(app, token, client_id):
    from idp.keystore.signer import public_jwks

    with app.app_context():
        jwks = public_jwks()
    return validate_logout_token(token, jwks=jwks, issuer=app.config["IDP"].issuer,
                                 client_id=client_id, now=clock.timestamp())


def test_logout_at_one_product_reaches_all_three(app, web, user, rp_clients, receivers,
                                                 signed_in):
    """The issue's 'done when': log out at Asset; Building, Project and Asset get valid tokens."""
    _log_out_at_asset(app, web, rp_clients, user, signed_in)
    assert all(not r.received for r in receivers.values())  # the request only enqueued
    run_worker(app)
    for name, receiver in receivers.items():
        (got,) = receiver.received
        assert got["content_type"] == "application/x-www-form-urlencoded"  # §2.5
        claims = _validate(app, got["token"], rp_clients[name]["client_id"])
        assert claims["sid"] == signed_in and claims["sub"] == str(user["id"])
        assert "nonce" not in claims
    assert {d["status"] for d in deliveries(app)} == {"delivered"}
    assert web.get("/signed-in").status_code == 302


def test_logout_token_shape(app, web, user, rp_clients, receivers, signed_in):
    from joserfc import jwt

    _log_out_at_asset(app, web, rp_clients, user, signed_in)
    run_worker(app)
    token = receivers["building"].tokens[0]
    header = jwt.decode(token, _keyset(app)).header
    claims = _validate(app, token, rp_clients["building"]["client_id"])
    assert header["typ"] == "logout+jwt" and header["alg"] == "RS256" and header["kid"]
    assert set(claims) == {"iss", "aud", "iat", "exp", "jti", "sub", "sid", "events"}
    assert claims["events"] == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert 0 < claims["exp"] - claims["iat"] <= 120
    assert claims["aud"] == rp_clients["building"]["client_id"]
    jtis = {receiver.received[0]["token"] for receiver in receivers.values()}
    assert len(jtis) == 3


def _keyset(app):
    from idp.keystore.signer import public_keyset

    with app.app_context():
        return public_keyset()


def test_clients_without_backchannel_uri_get_nothing(app, web, user, make_client, signed_in):
    from idp.sessions import store as sso

    plain = make_client(name="No back-channel")
    with app.app_context():
        sso.add_client(sso.get(signed_in), plain["client_id"])
    web.get("/oauth2/logout", query_string={"id_token_hint": mint_id_token(
        app, plain["client_id"], user["id"])})
    assert plain["client_id"] not in {d["client_id"] for d in deliveries(app)}
    assert len(deliveries(app)) == 3


def test_receiver_down_at_first_gets_it_on_a_retry(app, web, user, rp_clients, receivers,
                                                   signed_in):
    receivers["project"].refusing = True  # down: each connection is reset
    _log_out_at_asset(app, web, rp_clients, user, signed_in)
    run_worker(app)
    (project,) = [d for d in deliveries(app) if d["client_id"] == rp_clients["project"]["client_id"]]
    assert project["status"] == "failed" and project["attempts"] == 1
    assert project["last_error"] == "connection failed"
    run_worker(app)  # not due yet: backoff
    assert deliveries(app)[0]["attempts"] + deliveries(app)[1]["attempts"] >= 2
    receivers["project"].refusing = False
    assert not receivers["project"].received
    clock.advance(app.config["IDP"].backchannel_retry_base + 1)
    run_worker(app)
    (got,) = receivers["project"].received
    _validate(app, got["token"], rp_clients["project"]["client_id"])
    (project,) = [d for d in deliveries(app) if d["client_id"] == rp_clients["project"]["client_id"]]
    assert project["status"] == "delivered" and project["attempts"] == 2
    assert [a["error"] for a in project["attempt_log"]] == ["connection failed", None]
    assert [a["status_code"] for a in project["attempt_log"]] == [None, 200]


def test_backoff_grows_exponentially_up_to_the_cap(ctx):
    from idp.sessions.backchannel import backoff

    base, cap = ctx.config["IDP"].backchannel_retry_base, ctx.config["IDP"].backchannel_retry_max
    assert [backoff(n) for n in (1, 2, 3)] == [base, 2 * base, 4 * base]
    assert backoff(40) == cap


def test_dead_letter_after_the_last_retry_then_redeliver(app, web, user, rp_clients, receivers,
                                                         signed_in, configure):
    configure(backchannel_max_attempts=3)
    receivers["building"].status = 500
    _log_out_at_asset(app, web, rp_clients, user, signed_in)
    for _ in range(4):
        run_worker(app)
        clock.advance(app.config["IDP"].backchannel_retry_max)
    (building,) = [d for d in deliveries(app)
                   if d["client_id"] == rp_clients["building"]["client_id"]]
    assert building["status"] == "dead" and building["attempts"] == 3
    assert building["last_status_code"] == 500 and len(receivers["building"].received) == 3
    receivers["building"].status = 200
    with app.app_context():
        from idp.sessions.backchannel import redeliver

        redeliver(building["id"])
    run_worker(app)
    assert len(receivers["building"].received) == 4
    tokens = receivers["building"].tokens
    assert len(set(tokens)) == 4  # a fresh token each attempt
    _validate(app, tokens[-1], rp_clients["building"]["client_id"])
    (building,) = [d for d in deliveries(app) if d["id"] == building["id"]]
    assert building["status"] == "delivered" and len(building["attempt_log"]) == 4


def test_a_redirect_is_a_failure_not_followed(app, web, user, rp_clients, receivers, signed_in):
    receivers["asset"].status = 302
    _log_out_at_asset(app, web, rp_clients, user, signed_in)
    run_worker(app)
    (asset,) = [d for d in deliveries(app) if d["client_id"] == rp_clients["asset"]["client_id"]]
    assert asset["status"] == "failed" and asset["last_status_code"] == 302


def test_slow_receiver_delays_neither_the_logout_page_nor_the_other_receivers(
        app, web, user, rp_clients, receivers, signed_in):
    receivers["building"].delay = 1.5
    elapsed = _log_out_at_asset(app, web, rp_clients, user, signed_in)
    assert elapsed < 1.0
    worker = threading.Thread(target=run_worker, args=(app,))
    started = time.monotonic()
    worker.start()
    assert receivers["project"].wait_for(1) and receivers["asset"].wait_for(1)
    assert receivers["project"].received[0]["at"] - started < 1.0
    assert receivers["asset"].received[0]["at"] - started < 1.0
    worker.join(10)
    assert len(receivers["building"].received) == 1


def test_timeout_counts_as_a_failed_attempt(app, web, user, rp_clients, receivers, signed_in,
                                            configure):
    configure(backchannel_timeout=0.3)
    receivers["building"].delay = 1.0
    _log_out_at_asset(app, web, rp_clients, user, signed_in)
    run_worker(app)
    (building,) = [d for d in deliveries(app)
                   if d["client_id"] == rp_clients["building"]["client_id"]]
    assert building["status"] == "failed" and building["last_error"] == "timed out"


def test_two_workers_deliver_each_token_once(app, web, user, rp_clients, receivers, signed_in):
    _log_out_at_asset(app, web, rp_clients, user, signed_in)
    barrier = threading.Barrier(4)

    def work():
        barrier.wait()
        run_worker(app)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [len(r.received) for r in receivers.values()] == [1, 1, 1]
    assert {d["attempts"] for d in deliveries(app)} == {1}


def test_a_lost_queue_is_rebuilt_from_the_delivery_log(app, web, user, rp_clients, receivers,
                                                       signed_in):
    from idp.sessions.backchannel import QUEUE
    from idp.storage.store import get_store

    _log_out_at_asset(app, web, rp_clients, user, signed_in)
    with app.app_context():
        get_store().delete(QUEUE)  # the store restarted empty
    run_worker(app)
    assert [len(r.received) for r in receivers.values()] == [1, 1, 1]


def test_missing_signing_key_is_a_recorded_failure(app, web, user, make_client, receivers,
                                                   signed_in):
    from idp.extensions import db
    from idp.keystore.signer import invalidate
    from idp.sessions import store as sso
    from idp.storage.models import SigningKey

    es = make_client(name="ES client", backchannel_logout_uri=receivers["asset"].url,
                     id_token_signed_response_alg="ES256")
    with app.app_context():
        sso.add_client(sso.get(signed_in), es["client_id"])
        # Registration activated an ES256 key; lose it (an operator's mistake).
        db.session.query(SigningKey).filter_by(alg="ES256").delete()
        db.session.commit()
        invalidate()
    web.get("/oauth2/logout", query_string={"id_token_hint": mint_id_token(
        app, es["client_id"], user["id"])})
    run_worker(app)
    (row,) = [d for d in deliveries(app) if d["client_id"] == es["client_id"]]
    assert row["status"] == "failed" and "cannot sign" in row["last_error"]


def test_the_client_alg_signs_the_logout_token(app, web, user, make_client, receivers,
                                               signed_in):
    from joserfc import jwt

    from idp.keystore.keys import new_key
    from idp.keystore.signer import invalidate
    from idp.sessions import store as sso

    with app.app_context():
        new_key("ES256", state="active")
        from idp.extensions import db

        db.session.commit()
        invalidate(broadcast=False)
    es = make_client(name="ES client", backchannel_logout_uri=receivers["asset"].url,
                     id_token_signed_response_alg="ES256")
    with app.app_context():
        sso.add_client(sso.get(signed_in), es["client_id"])
    web.get("/oauth2/logout", query_string={"id_token_hint": mint_id_token(
        app, es["client_id"], user["id"])})
    run_worker(app)
    tokens = receivers["asset"].tokens
    algs = {jwt.decode(t, _keyset(app)).header["alg"] for t in tokens}
    assert algs == {"ES256", "RS256"}
    for token in tokens:
        if jwt.decode(token, _keyset(app)).header["alg"] == "ES256":
            _validate(app, token, es["client_id"])


def test_attempt_logs_never_contain_the_token(app, web, user, rp_clients, receivers, signed_in,
                                              caplog):
    import logging

    caplog.set_level(logging.INFO, logger="idp")
    _log_out_at_asset(app, web, rp_clients, user, signed_in)
    run_worker(app)
    attempts = [r for r in caplog.records if "back-channel logout attempt" in r.getMessage()]
    assert len(attempts) == 3
    for receiver in receivers.values():
        assert receiver.tokens[0] not in caplog.text
        assert receiver.tokens[0].split(".")[1] not in caplog.text


@pytest.mark.parametrize("reason", ["logout"])
def test_session_ends_once_under_concurrent_logouts(app, user, rp_clients, signed_in, reason):
    from idp.sessions import service

    results = []
    barrier = threading.Barrier(6)

    def end():
        with app.app_context():
            barrier.wait()
            results.append(service.end_session(signed_in, reason))

    threads = [threading.Thread(target=end) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sum(1 for r in results if r is not None) == 1
    assert len(deliveries(app)) == 3  # one per client, not one per caller


def test_session_ended_receivers_share_the_unit_of_work(app, web, user, rp_clients, signed_in):
    """What a session_ended receiver writes (the OIDC part's revocations) commits with the logout."""
    from idp import events
    from idp.extensions import db
    from idp.storage.models import User

    def receiver(sender, user_id, **_):
        db.session.get(User, user_id).family_name = "Revoked"  # no commit here

    events.session_ended.connect(receiver)
    try:
        _log_out_at_asset(app, web, rp_clients, user, signed_in)
    finally:
        events.session_ended.disconnect(receiver)
    with app.app_context():
        assert db.session.get(User, user["id"]).family_name == "Revoked"
    assert len(deliveries(app)) == 3


def test_the_idps_own_sign_out_reaches_every_client(app, web, signed_in, receivers):
    from tests.helpers.web import csrf_token

    page = web.get("/signed-in")
    web.post("/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    run_worker(app)
    assert [len(r.received) for r in receivers.values()] == [1, 1, 1]


def test_a_new_login_in_the_same_browser_logs_the_old_session_out(app, web, user, signed_in):
    from tests.helpers.web import login

    login(web, user["email"], user["password"])
    assert {(d["sid"], d["reason"]) for d in deliveries(app)} == {(signed_in, "replaced")}


def test_run_once_drains_more_than_one_round(app, user, rp_clients, receivers, signed_in,
                                             configure):
    from idp.sessions import service
    from idp.sessions import store as sso

    configure(backchannel_concurrency=1)  # rounds of 4
    with app.app_context():
        second = sso.create(user["id"], ["pwd"])
        for client in rp_clients.values():
            sso.add_client(second, client["client_id"])
        assert service.end_all_for_user(user["id"]) == 2
    run_worker(app)
    assert [len(r.received) for r in receivers.values()] == [2, 2, 2]
