"""One contract, two stores: the RP's server-side sessions in memory and on Redis (the real one)."""

from __future__ import annotations

import secrets
import threading

import pytest
import redis as redis_lib

from idp.rp.sessions import MemorySessionStore, RedisSessionStore


class Ticks:
    def __init__(self):
        self.value = 0.0

    def __call__(self):
        return self.value


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def store(request):
    if request.param == "memory":
        yield MemorySessionStore()
        return
    client = redis_lib.Redis.from_url(request.getfixturevalue("shared_redis"))
    prefix = f"rptest:{secrets.token_hex(4)}:"
    yield RedisSessionStore(client, prefix=prefix, index_ttl=60)
    keys = list(client.scan_iter(prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_a_session_is_saved_loaded_and_deleted(store):
    store.save("a", {"sid": "s1", "sub": "u1", "claims": {"name": "Ana"}}, 60)
    assert store.load("a")["claims"] == {"name": "Ana"}
    store.delete("a")
    assert store.load("a") is None
    assert store.load("never") is None


def test_end_by_sid_ends_that_idp_sessions_only(store):
    store.save("a", {"sid": "s1", "sub": "u1"}, 60)
    store.save("b", {"sid": "s1", "sub": "u1"}, 60)  # two tabs of one IdP session
    store.save("c", {"sid": "s2", "sub": "u1"}, 60)  # the same person elsewhere
    store.save("d", {"sid": "s3", "sub": "u2"}, 60)
    assert store.end(sid="s1") == 2
    assert store.load("a") is None and store.load("b") is None
    assert store.load("c") is not None and store.load("d") is not None
    assert store.end(sid="s1") == 0


def test_end_by_sub_ends_every_session_of_the_person(store):
    store.save("a", {"sid": "s1", "sub": "u1"}, 60)
    store.save("c", {"sid": "s2", "sub": "u1"}, 60)
    store.save("d", {"sid": "s3", "sub": "u2"}, 60)
    assert store.end(sub="u1") == 2
    assert store.load("a") is None and store.load("c") is None and store.load("d") is not None
    assert store.end() == 0


def test_a_pending_login_is_taken_once(store):
    store.put("login:x", {"nonce": "n"}, 60)
    assert store.get("login:x") == {"nonce": "n"}
    assert store.take("login:x") == {"nonce": "n"}
    assert store.take("login:x") is None and store.get("login:x") is None


def test_a_pending_login_is_taken_once_under_concurrency(store):
    store.put("login:y", {"nonce": "n"}, 60)
    barrier, won = threading.Barrier(8), []

    def take():
        barrier.wait()
        if store.take("login:y") is not None:
            won.append(1)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert won == [1]


def test_first_use_answers_true_once(store):
    assert store.first_use("jti:1", 60) is True
    assert store.first_use("jti:1", 60) is False
    assert store.first_use("jti:2", 60) is True


def test_memory_sessions_expire():
    ticks = Ticks()
    store = MemorySessionStore(now=ticks)
    store.save("a", {"sid": "s1", "sub": "u1"}, 10)
    store.put("k", {}, 10)
    ticks.value = 10
    assert store.load("a") is None and store.get("k") is None
    assert store.end(sid="s1") == 0
