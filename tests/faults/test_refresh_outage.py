"""Issue 11 item 11: a refresh whose answer was lost can be retried, whatever failed.

The rotation and what a retry needs (the sealed successor response) commit together
in Postgres. A transient failure answers 503 temporarily_unavailable with Retry-After,
never invalid_grant (RP libraries treat invalid_grant as final and sign the person
out). Proven with real threads rotating real chains while Redis is killed and
restarted empty; the Postgres twin is test_refresh_postgres_outage.py.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tests.helpers.waiting import eventually
from tests.oidc.conftest import Flow

CHAINS = 6


@pytest.fixture
def oidc_app(private_redis, instances):
    # The chains share one client: its token-endpoint allowance must not be what stops them.
    return instances(redis_url=private_redis.url, token_rate_limit_per_client=10**6)


def test_redis_failing_right_after_the_rotation_commits_costs_no_chain(
        oidc_app, private_redis, user, make_client):
    flow = Flow(oidc_app.test_client(), make_client(first_party=True), user)
    tokens = flow.tokens()
    armed = threading.Event()

    def kill_redis_after_commit(session):
        if armed.is_set():
            armed.clear()
            private_redis.stop()  # the rotation is in Postgres; Redis is gone (and empty)

    # The rotation commits through the ORM session (SQLite) or as the hot path's one
    # statement (Postgres, storage/hot.py): Redis goes right after either.
    from idp.storage.hot import HotSQL

    original_write = HotSQL.write

    def write_then_kill(pool, sql, params):
        row = original_write(pool, sql, params)
        kill_redis_after_commit(None)
        return row

    event.listen(Session, "after_commit", kill_redis_after_commit)
    HotSQL.write = write_then_kill
    try:
        armed.set()
        first = flow.refresh(tokens["refresh_token"])
    finally:
        HotSQL.write = original_write
        event.remove(Session, "after_commit", kill_redis_after_commit)
    assert not armed.is_set(), "the rotation never committed"
    assert first.status_code in (200, 503), first.get_json()
    private_redis.start()

    # The client never saw (or lost) that answer and retries inside the grace window.
    retry = flow.refresh(tokens["refresh_token"])
    assert retry.status_code == 200, retry.get_json()
    if first.status_code == 200:
        assert retry.get_json() == first.get_json()  # the same successor pair
    successor = flow.refresh(retry.get_json()["refresh_token"])
    assert successor.status_code == 200, successor.get_json()
    assert _revoked(oidc_app) == 0


def test_a_rotated_token_without_its_stored_answer_is_a_503_not_invalid_grant(
        oidc_app, user, make_client):
    """A transient state (the answer a retry needs cannot be read now) is never final."""
    from idp.extensions import db
    from idp.storage.models import RefreshToken

    flow = Flow(oidc_app.test_client(), make_client(first_party=True), user)
    tokens = flow.tokens()
    assert flow.refresh(tokens["refresh_token"]).status_code == 200
    with oidc_app.app_context():  # as a row rotated before the answer was kept with it
        db.session.execute(RefreshToken.__table__.update()
                           .where(RefreshToken.rotated_at.is_not(None))
                           .values(successor_response=None))
        db.session.commit()
    resp = flow.refresh(tokens["refresh_token"])
    assert resp.status_code == 503, resp.get_json()
    assert resp.get_json()["error"] == "temporarily_unavailable"
    assert int(resp.headers["Retry-After"]) >= 1
    assert _revoked(oidc_app) == 0


class Chain:
    """One relying party's refresh chain, rotated in a loop like an RP library would."""

    def __init__(self, app, flow, token, web=None):
        self.app, self.flow, self.token = app, flow, token
        self.web = web  # () -> a client (default: the app's test client, the thread path)
        self.ok = 0
        self.unavailable = 0
        self.failures: list[tuple[int, dict]] = []

    def run(self, stop: threading.Event) -> None:
        web = self.web() if self.web else self.app.test_client()
        while not stop.is_set() and not self.failures:
            resp = self.flow.refresh(self.token, client=web)
            if resp.status_code == 200:
                self.token = resp.get_json()["refresh_token"]
                self.ok += 1
            elif resp.status_code == 503:
                assert resp.get_json()["error"] == "temporarily_unavailable"
                assert resp.headers["Retry-After"]
                self.unavailable += 1
                stop.wait(0.02)  # the same token again, after a short back-off
            else:
                self.failures.append((resp.status_code, resp.get_json()))


def run_chains(chains, outage) -> None:
    """Rotate every chain in its own thread; ``outage()`` runs once they all rotate."""
    stop = threading.Event()
    threads = [threading.Thread(target=chain.run, args=(stop,)) for chain in chains]
    for thread in threads:
        thread.start()
    try:
        eventually(lambda: all(c.ok >= 3 for c in chains) or any(c.failures for c in chains), 60)
        outage()
        after = [c.ok for c in chains]
        eventually(lambda: all(c.ok >= seen + 5 for c, seen in zip(chains, after))
                   or any(c.failures for c in chains), 90)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def test_every_chain_keeps_rotating_through_a_redis_kill(oidc_app, private_redis, user,
                                                         make_client):
    flow = Flow(oidc_app.test_client(), make_client(first_party=True), user)
    chains = [Chain(oidc_app, flow, flow.tokens()["refresh_token"]) for _ in range(CHAINS)]

    def outage():
        private_redis.stop()  # killed in the middle of rotations, restarted empty
        eventually(lambda: sum(c.unavailable for c in chains) >= 2 * CHAINS, 20)
        private_redis.start()

    run_chains(chains, outage)
    assert [c.failures for c in chains] == [[]] * CHAINS
    assert sum(c.unavailable for c in chains) >= 2 * CHAINS  # the outage was seen
    assert _revoked(oidc_app) == 0


def rotate_on_the_loop(app, flow, stop, start) -> None:
    """CHAINS chains rotating over real HTTP, the grant answered on the ASGI front's event
    loop (oidc/loop_endpoints.py), through ``stop()`` … ``start()`` of a service: no chain
    fails, the outage is seen, and the loop rotated them before and after."""
    from prometheus_client import REGISTRY

    from tests.helpers.asgi_server import HttpClient, serve

    def answered():
        return REGISTRY.get_sample_value("idp_loop_requests_total", {
            "endpoint": "/oauth2/token", "outcome": "answered"}) or 0

    tokens = [flow.tokens()["refresh_token"] for _ in range(CHAINS)]
    tokens = [flow.refresh(t).get_json()["refresh_token"] for t in tokens]  # secret verified
    before = answered()
    with serve(app) as base:
        chains = [Chain(app, flow, t, web=lambda: HttpClient(base)) for t in tokens]

        def outage():
            stop()
            eventually(lambda: sum(c.unavailable for c in chains) >= 2 * CHAINS, 20)
            start()

        run_chains(chains, outage)
    assert [c.failures for c in chains] == [[]] * CHAINS
    assert sum(c.unavailable for c in chains) >= 2 * CHAINS
    assert answered() - before >= 3 * CHAINS


def test_every_chain_keeps_rotating_through_a_redis_kill_on_the_event_loop(
        oidc_app, private_redis, user, make_client):
    """The same over real HTTP: the refresh grant answered on the event loop, which leaves
    every failing case to the thread path."""
    flow = Flow(oidc_app.test_client(), make_client(first_party=True), user)
    rotate_on_the_loop(oidc_app, flow, private_redis.stop, private_redis.start)
    assert _revoked(oidc_app) == 0


def _revoked(app) -> int:
    from idp.extensions import db
    from idp.storage.models import RefreshToken

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(RefreshToken)
                                  .where(RefreshToken.revoked_at.is_not(None)))
        db.session.rollback()
        return count
