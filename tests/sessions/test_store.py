"""SSO sessions in the store: fields, idle and absolute expiry, the clients set, bad sids."""

from __future__ import annotations

import threading

import pytest

from idp import clock
from idp.sessions import store as sso


def test_a_session_has_every_field(ctx):
    settings = ctx.config["IDP"]
    live = sso.create(7, ["pwd", "otp"], acr="1")
    got = sso.get(live.sid)
    assert (got.user_id, got.amr, got.acr, got.clients) == (7, ["pwd", "otp"], "1", [])
    assert got.auth_time == got.created_at == got.last_seen == clock.timestamp()
    assert got.expires_at == got.created_at + settings.session_absolute_timeout
    assert got.idle_expires_at() == got.last_seen + settings.session_idle_timeout
    assert [s.sid for s in sso.list_for_user(7)] == [live.sid]


def test_activity_extends_idle_but_not_absolute_expiry(ctx):
    settings = ctx.config["IDP"]
    live = sso.create(7, ["pwd"])
    step = settings.session_idle_timeout - 10
    elapsed = 0
    while elapsed + step < settings.session_absolute_timeout:
        clock.advance(step)
        elapsed += step
        assert sso.get(live.sid) is not None, elapsed
    clock.advance(settings.session_absolute_timeout - elapsed)
    assert sso.get(live.sid) is None
    assert sso.list_for_user(7) == []


def test_idle_session_dies(ctx):
    live = sso.create(7, ["pwd"])
    clock.advance(ctx.config["IDP"].session_idle_timeout)
    assert sso.get(live.sid) is None


def test_concurrent_add_client_loses_none(ctx):
    live = sso.create(7, ["pwd"])
    barrier = threading.Barrier(12)

    def add(n):
        with ctx.app_context():
            session = sso.get(live.sid)
            barrier.wait()
            sso.add_client(session, f"client-{n}")

    threads = [threading.Thread(target=add, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(sso.get(live.sid).clients) == sorted(f"client-{n}" for n in range(12))
    assert sorted(sso.end(live.sid).clients) == sorted(f"client-{n}" for n in range(12))


def test_add_client_after_end_leaves_nothing_behind(ctx):
    from idp.storage.store import get_store

    live = sso.create(7, ["pwd"])
    sso.end(live.sid)
    sso.add_client(live, "late")
    assert get_store().smembers(f"sso:{live.sid}:clients") == set()


def test_clients_key_expires_with_the_session(ctx):
    from idp.storage.store import get_store

    live = sso.create(7, ["pwd"])
    sso.add_client(live, "c1")
    ttl = get_store().ttl(f"sso:{live.sid}:clients")
    assert ttl is not None and ttl <= ctx.config["IDP"].session_idle_timeout


@pytest.mark.parametrize("sid", [None, "", "user:7", "sso", "a" * 65, "bad sid with spaces!", 42])
def test_malformed_sids_are_unknown(ctx, sid):
    sso.create(7, ["pwd"])
    assert sso.get(sid) is None
    assert sso.end(sid) is None
    assert len(sso.list_for_user(7)) == 1


def test_end_is_once(ctx):
    live = sso.create(7, ["pwd"])
    assert sso.end(live.sid).sid == live.sid
    assert sso.end(live.sid) is None
