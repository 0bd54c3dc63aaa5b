"""Userinfo's person read on the hot path (idp/storage/hot.py): one prepared statement on
an autocommit connection, the same claims as the ORM, and a dropped connection retried."""

import psycopg
import pytest

from idp.extensions import db
from idp.oidc.grants.base import load_user_and_version, read_person_and_version
from idp.oidc.claims import user_claims
from idp.storage.hot import hot_sql


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_same_claims_as_the_orm(flow, app, web):
    with app.app_context():
        orm, _ = load_user_and_version(flow.user["id"], None)
        hot, version = read_person_and_version(flow.user["id"], None)
        scope = "openid profile email"
        assert user_claims(hot, scope) == user_claims(orm, scope) and version is None
        assert hot.name == orm.name and hot.subject == orm.subject
        assert read_person_and_version(10**9, None) == (None, None)
        assert read_person_and_version("1", None) == (None, None)


def test_one_round_trip_on_autocommit_and_prepared(flow, app, web):
    tokens = flow.tokens()
    for _ in range(3):
        assert web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])).status_code == 200
    with app.app_context():
        pool = hot_sql()
        assert pool is not None and pool.idle
        conn = pool.idle[-1]
        assert conn.autocommit
        prepared = conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
        assert prepared >= 1  # kept across requests: nothing rolls it back


def test_a_connection_postgres_dropped_is_replaced(flow, app, web):
    tokens = flow.tokens()
    assert web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])).status_code == 200
    with app.app_context():
        pool = hot_sql()
        pids = [conn.info.backend_pid for conn in pool.idle]
    with psycopg.connect(pool.conninfo, autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    resp = web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"]))
    assert resp.status_code == 200 and resp.get_json()["sub"] == str(flow.user["id"])


def test_disabled_is_read_on_every_request(flow, app, web):
    from idp.storage.models import User

    tokens = flow.tokens()
    assert web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])).status_code == 200
    with app.app_context():
        db.session.get(User, flow.user["id"]).disabled = True
        db.session.commit()
    resp = web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"]))
    assert resp.status_code == 401




def test_the_pool_is_bounded_and_a_burst_waits(flow, app, web):
    from idp.storage.hot import HotSQL

    with app.app_context():
        pool = HotSQL(hot_sql().conninfo, keep=1, overflow=0, timeout=0.2)
    held, _ = pool._take()
    with pytest.raises(psycopg.OperationalError, match="pool timeout"):
        pool.fetchone("SELECT 1", ())
    pool._give(held)
    assert pool.fetchone("SELECT 1", ()) == (1,)  # the slot came back
    with pytest.raises(psycopg.errors.UndefinedTable):
        pool.fetchone("SELECT * FROM no_such_table", ())
    assert pool.fetchone("SELECT 2", ()) == (2,)  # a failed statement released its slot
    pool.close()


def test_a_write_after_a_postgres_restart_takes_a_live_connection(app, clean):
    """Writes are never repeated, so a write must not be handed an idle connection that
    Postgres already closed (a restart closes every one of them): the first refresh grants
    after a restart answered 503."""
    from idp.storage.hot import HotSQL

    with app.app_context():
        pool = HotSQL(hot_sql().conninfo, keep=3)
    try:
        held = [pool._take()[0] for _ in range(3)]
        pids = [conn.info.backend_pid for conn in held]
        for conn in held:
            pool._give(conn)
        with psycopg.connect(pool.conninfo, autocommit=True) as admin:
            for pid in pids:
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))  # waits until gone
        for _ in range(3):
            assert pool.write("SELECT 1", ()) == (1,)
        assert len(pool.idle) == 1 and pool.idle[0].info.backend_pid not in pids
    finally:
        pool.close()
