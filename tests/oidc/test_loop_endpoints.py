"""Userinfo and introspection answered on the ASGI front's event loop (oidc/loop_endpoints.py):
the Flask path's answer and headers, served without a pool thread, and every case that is
not ordinary (revoked, disabled, lost revocation cache, another client's token, a wrong
secret, the allowance spent, Postgres or Redis failing) left to the Flask path."""

from __future__ import annotations

import requests

from idp.storage.hot_async import LoopStore
from tests.helpers.asgi_server import serve
from tests.oidc.conftest import basic, flow, org  # noqa: F401

USERINFO, INTROSPECT = "/oauth2/userinfo", "/oauth2/introspect"
VARYING = {"x-request-id", "date", "content-length", "server"}


class FlaskCalls:
    """Counts the requests the Flask app served (the loop's answers never reach it)."""

    def __init__(self, app, monkeypatch):
        self.paths: list[str] = []
        inner = app.wsgi_app

        def counting(environ, start_response):
            self.paths.append(environ["PATH_INFO"])
            return inner(environ, start_response)

        monkeypatch.setattr(app, "wsgi_app", counting)


def _headers(resp) -> dict:
    return {k.lower(): v for k, v in resp.headers.items() if k.lower() not in VARYING}


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _planned_flow(app, apps):
    """The Project client's flow for a person of an organisation on Suite: plan claims."""
    apps["project"].org_id = org(app, apps["project"].user["email"], "suite")
    return apps["project"]


def test_userinfo_on_the_loop_is_the_flask_answer(app, web, apps, monkeypatch):
    project = _planned_flow(app, apps)
    tokens = project.tokens(scope="openid profile email plan")
    flask = web.get(USERINFO, headers=_bearer(tokens["access_token"]))  # fills the caches
    assert flask.status_code == 200 and flask.get_json()["plan"] == "suite"
    calls = FlaskCalls(app, monkeypatch)
    with serve(app) as base:
        web.get("/.well-known/jwks.json")  # the signer's keys fresh for the loop
        resp = requests.get(base + USERINFO, headers=_bearer(tokens["access_token"]), timeout=5)
        assert resp.status_code == 200 and resp.json() == flask.get_json()
        assert _headers(resp) == _headers(flask)
        assert resp.headers["Cache-Control"] == "no-store" and resp.headers["X-Request-ID"]
        post = requests.post(base + USERINFO, headers=_bearer(tokens["access_token"]), timeout=5)
        assert post.status_code == 200 and post.json() == flask.get_json()
    assert USERINFO not in calls.paths  # served on the loop, no pool thread


def test_userinfo_refusals_still_refuse_at_once(app, web, flow, monkeypatch):
    from idp.extensions import db
    from idp.storage.models import User
    from idp.storage.store import get_store

    tokens, other = flow.tokens(), flow.tokens()
    assert web.get(USERINFO, headers=_bearer(tokens["access_token"])).status_code == 200
    calls = FlaskCalls(app, monkeypatch)
    with serve(app) as base:
        def userinfo(token):
            web.get("/.well-known/jwks.json")
            return requests.get(base + USERINFO, headers=_bearer(token), timeout=5)

        assert userinfo(tokens["access_token"]).status_code == 200
        assert calls.paths.count(USERINFO) == 0
        # Revoked at the revocation endpoint: refused by the very next request.
        revoke = web.post("/oauth2/revoke", data={"token": tokens["access_token"]},
                          headers=basic(flow.client["client_id"], flow.client["client_secret"]))
        assert revoke.status_code == 200
        refused = userinfo(tokens["access_token"])
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_token"
        assert "invalid_token" in refused.headers["WWW-Authenticate"]
        # Redis lost its data: the revocation is still seen (the thread path reloads it).
        with app.app_context():
            get_store().clear()
        assert userinfo(tokens["access_token"]).status_code == 401
        assert userinfo(other["access_token"]).status_code == 200
        # A disabled person is refused at once.
        with app.app_context():
            db.session.get(User, flow.user["id"]).disabled = True
            db.session.commit()
        assert userinfo(other["access_token"]).status_code == 401
        # Garbage is the thread path's 401, never a 500.
        for token in ("x.y.z", "a" * 5000, tokens["access_token"] + "x"):
            assert userinfo(token).status_code == 401


def test_a_plan_change_shows_at_once_on_the_loop(app, web, apps):
    from idp.orgs import subscriptions

    project = _planned_flow(app, apps)
    tokens = project.tokens(scope="openid plan")
    assert web.get(USERINFO, headers=_bearer(tokens["access_token"])).get_json()[
        "plan_status"] == "active"
    with serve(app) as base:
        web.get("/.well-known/jwks.json")
        seen = requests.get(base + USERINFO, headers=_bearer(tokens["access_token"]), timeout=5)
        assert seen.json()["plan_status"] == "active"
        with app.app_context():
            subscriptions.mark_past_due(project.org_id)
        web.get("/.well-known/jwks.json")
        now = requests.get(base + USERINFO, headers=_bearer(tokens["access_token"]), timeout=5)
        assert now.status_code == 200 and now.json()["plan_status"] == "past_due"


def _introspect(base, flow_, token, **headers):
    return requests.post(base + INTROSPECT, data={"token": token}, timeout=5,
                         headers={**basic(flow_.client["client_id"], flow_.client["client_secret"]),
                                  **headers})


def test_introspection_on_the_loop_is_the_flask_answer_and_counts(app, web, flow, monkeypatch):
    from idp.ratelimit import client_counter
    from idp.storage.store import get_store

    tokens = flow.tokens()
    flask = web.post(INTROSPECT, data={"token": tokens["access_token"]},
                     headers=basic(flow.client["client_id"], flow.client["client_secret"]))
    assert flask.status_code == 200 and flask.get_json()["active"] is True
    with app.app_context():
        counter = client_counter(flow.client["client_id"] + ":introspect")[0]
        before = int(get_store().get(counter) or 0)
    calls = FlaskCalls(app, monkeypatch)
    with serve(app) as base:
        for _ in range(3):
            web.get("/.well-known/jwks.json")
            resp = _introspect(base, flow, tokens["access_token"])
            assert resp.status_code == 200 and resp.json() == flask.get_json()
            assert _headers(resp) == _headers(flask)
    assert INTROSPECT not in calls.paths
    with app.app_context():  # each answered request spent exactly one of the allowance
        assert int(get_store().get(counter)) == before + 3


def test_introspection_refusals_on_the_loop(app, web, flow, make_client, configure):
    from idp.ratelimit import client_counter
    from idp.storage.store import get_store
    from tests.oidc.conftest import Flow

    tokens = flow.tokens()
    stranger = Flow(web, make_client(), flow.user)
    with serve(app) as base:
        def introspect(flow_, token, **kw):
            web.get("/.well-known/jwks.json")
            return _introspect(base, flow_, token, **kw)

        assert introspect(flow, tokens["access_token"]).json()["active"] is True
        # Another client's token is inactive to it (RFC 7662 §2.2; the audience rule).
        web.post(INTROSPECT, data={"token": "x"},
                 headers=basic(stranger.client["client_id"], stranger.client["client_secret"]))
        assert introspect(stranger, tokens["access_token"]).json() == {"active": False}
        # A wrong secret is invalid_client (401), never the answer.
        wrong = requests.post(base + INTROSPECT, data={"token": tokens["access_token"]},
                              headers=basic(flow.client["client_id"], "wrong"), timeout=5)
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        # The refresh token (in Postgres) and a revoked access token.
        assert introspect(flow, tokens["refresh_token"]).json()["active"] is True
        web.post("/oauth2/revoke", data={"token": tokens["access_token"]},
                 headers=basic(flow.client["client_id"], flow.client["client_secret"]))
        assert introspect(flow, tokens["access_token"]).json() == {"active": False}
        # Repeated parameters are the thread path's invalid_request.
        twice = requests.post(base + INTROSPECT, data=[("token", "a.b.c"), ("token", "a.b.c")],
                              headers=basic(flow.client["client_id"], flow.client["client_secret"]),
                              timeout=5)
        assert twice.status_code == 400 and twice.json()["error"] == "invalid_request"
        # The allowance spent: 429 with Retry-After.
        fresh = flow.tokens()["access_token"]
        with app.app_context():
            spent = int(get_store().get(client_counter(flow.client["client_id"] + ":introspect")[0]))
        configure(token_rate_limit_per_client=spent + 2)
        answers = [introspect(flow, fresh) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 429, 429]
        assert answers[-1].headers["Retry-After"] and answers[-1].json()["error"] == \
            "temporarily_unavailable"


def test_postgres_or_redis_failing_on_the_loop_leaves_it_to_flask(app, web, flow, monkeypatch):
    from idp.web.asgi import ASGIFront

    tokens = flow.tokens()
    web.get(USERINFO, headers=_bearer(tokens["access_token"]))
    dead = LoopStore("host=127.0.0.1 port=1 dbname=x user=x", "redis://127.0.0.1:1/0", "x:")
    monkeypatch.setattr(ASGIFront, "loop_store", lambda self: dead)
    calls = FlaskCalls(app, monkeypatch)
    with serve(app) as base:
        web.get("/.well-known/jwks.json")
        resp = requests.get(base + USERINFO, headers=_bearer(tokens["access_token"]), timeout=10)
        assert resp.status_code == 200 and resp.json()["sub"] == str(flow.user["id"])
        web.get("/.well-known/jwks.json")
        intro = _introspect(base, flow, tokens["access_token"])
        assert intro.status_code == 200 and intro.json()["active"] is True
    assert calls.paths.count(USERINFO) == 1 and calls.paths.count(INTROSPECT) == 1


def test_a_verified_signature_is_reused_only_while_its_key_is_published(app, flow):
    from joserfc.jwk import KeySet

    from idp.keystore.signer import public_keyset
    from idp.oidc import access_tokens

    token = flow.tokens()["access_token"]
    with app.app_context():
        keys = public_keyset()
        claims, kid = access_tokens.decode_unchecked(token, keys)
        assert token in access_tokens._VERIFIED
        again, _ = access_tokens.decode_unchecked(token, keys)
        assert again == claims and again is not claims  # a copy: callers may change theirs
        # Its key no longer published: verified again, and refused.
        other = KeySet.generate_key_set("RSA", 2048, count=1)
        try:
            access_tokens.decode_unchecked(token, other)
        except access_tokens.InvalidAccessToken:
            pass
        else:
            raise AssertionError("a token of an unpublished key was accepted from memory")
        # A forged signature is never remembered, and never accepted.
        head, body, sig = token.split(".")
        forged = f"{head}.{body}.{sig[:-6]}AAAAAA"
        for _ in range(2):
            try:
                access_tokens.decode_unchecked(forged, keys)
            except access_tokens.InvalidAccessToken:
                pass
            else:
                raise AssertionError("a forged token was accepted")
        assert forged not in access_tokens._VERIFIED


TOKEN = "/oauth2/token"


def _refresh(base, flow_, token, **extra):
    return requests.post(base + TOKEN, timeout=10,
                         data={"grant_type": "refresh_token", "refresh_token": token, **extra},
                         headers=basic(flow_.client["client_id"], flow_.client["client_secret"]))


def test_the_refresh_grant_on_the_loop_rotates_like_the_thread_path(app, web, apps, monkeypatch):
    from sqlalchemy import func, select

    from idp.extensions import db
    from idp.storage.models import AuditEvent, RefreshToken
    from tests.oidc.conftest import decode

    project = _planned_flow(app, apps)
    tokens = project.tokens(scope="openid profile plan")
    first = project.refresh(tokens["refresh_token"])  # the thread path: caches filled
    assert first.status_code == 200
    calls = FlaskCalls(app, monkeypatch)
    with serve(app) as base:
        web.get("/.well-known/jwks.json")
        resp = _refresh(base, project, first.get_json()["refresh_token"])
        assert resp.status_code == 200, resp.text
        answer = resp.json()
        assert resp.headers["Cache-Control"] == "no-store" and resp.headers["Pragma"] == "no-cache"
        assert set(answer) == set(first.get_json())
        assert answer["scope"] == "openid profile plan" and answer["token_type"] == "Bearer"
        flask_claims = decode(web, first.get_json()["id_token"])
        loop_claims = decode(web, answer["id_token"])
        for same in ("iss", "sub", "aud", "auth_time", "plan", "org_id", "products", "sid"):
            assert loop_claims.get(same) == flask_claims.get(same), same
        access = decode(web, answer["access_token"])
        assert access["aud"] == decode(web, first.get_json()["access_token"])["aud"]
        # The old token is spent; inside the grace window its reuse gets the same answer.
        web.get("/.well-known/jwks.json")
        again = _refresh(base, project, first.get_json()["refresh_token"])
        assert again.status_code == 200 and again.json() == answer
        # Narrowing the scope (RFC 6749 §6) on the loop; widening is the thread path's error.
        web.get("/.well-known/jwks.json")
        narrow = _refresh(base, project, answer["refresh_token"], scope="openid")
        assert narrow.status_code == 200 and narrow.json()["scope"] == "openid"
        assert "id_token" in narrow.json()
        web.get("/.well-known/jwks.json")
        wide = _refresh(base, project, narrow.json()["refresh_token"], scope="openid email")
        assert wide.status_code == 400 and wide.json()["error"] == "invalid_scope"
    assert calls.paths.count(TOKEN) == 2  # the reuse (grace) and the widening
    with app.app_context():
        issued = db.session.scalars(select(AuditEvent).where(
            AuditEvent.type == "token.issued", AuditEvent.reason == "refresh_token")).all()
        assert len(issued) == 3 and all(e.ip == "127.0.0.1" for e in issued[1:])
        assert issued[-1].detail["aud"] == access["aud"]
        family = db.session.scalar(select(func.count()).select_from(RefreshToken).where(
            RefreshToken.family_id == db.session.scalar(select(RefreshToken.family_id).where(
                RefreshToken.client_id == project.client["client_id"]).limit(1))))
        assert family == 4  # the code's, the thread path's, the loop's two, nothing else


def test_the_loop_refresh_refusals_and_races(app, web, flow, monkeypatch):
    import threading

    from idp.extensions import db
    from idp.storage.models import User

    tokens = flow.tokens()
    assert flow.refresh(flow.tokens()["refresh_token"]).status_code == 200  # caches
    with serve(app) as base:
        # 20 threads on one refresh token: one rotation; every answer is the same pair.
        web.get("/.well-known/jwks.json")
        answers, barrier = [], threading.Barrier(20)

        def use():
            barrier.wait()
            answers.append(_refresh(base, flow, tokens["refresh_token"]))

        threads = [threading.Thread(target=use) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
        assert len({a.json()["refresh_token"] for a in answers}) == 1
        # Reuse after the grace window revokes the family (RFC 9700 §4.14.2).
        from idp import clock

        successor = answers[0].json()["refresh_token"]
        clock.advance(app.config["IDP"].refresh_token_grace + 1)
        web.get("/.well-known/jwks.json")
        reuse = _refresh(base, flow, tokens["refresh_token"])
        assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
        web.get("/.well-known/jwks.json")
        assert _refresh(base, flow, successor).json()["error"] == "invalid_grant"
        # A wrong secret, another client, a disabled person.
        fresh = flow.tokens()["refresh_token"]
        wrong = requests.post(base + TOKEN, data={"grant_type": "refresh_token",
                                                  "refresh_token": fresh},
                              headers=basic(flow.client["client_id"], "nope"), timeout=5)
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        with app.app_context():
            db.session.get(User, flow.user["id"]).disabled = True
            db.session.commit()
        web.get("/.well-known/jwks.json")
        gone = _refresh(base, flow, fresh)
        assert gone.status_code == 400 and gone.json()["error"] == "invalid_grant"


def test_the_loop_counts_what_it_answered_and_what_it_passed_on(app, web, flow):
    from prometheus_client import REGISTRY

    def seen(outcome):
        return REGISTRY.get_sample_value("idp_loop_requests_total", {
            "endpoint": USERINFO, "outcome": outcome}) or 0

    tokens = flow.tokens()
    web.get(USERINFO, headers=_bearer(tokens["access_token"]))
    answered, passed = seen("answered"), seen("passed")
    with serve(app) as base:
        web.get("/.well-known/jwks.json")
        assert requests.get(base + USERINFO, headers=_bearer(tokens["access_token"]),
                            timeout=5).status_code == 200
        assert requests.get(base + USERINFO, headers=_bearer("x.y.z"), timeout=5).status_code == 401
    assert (seen("answered"), seen("passed")) == (answered + 1, passed + 1)
