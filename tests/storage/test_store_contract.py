"""One suite, two backends: the in-process store behaves like the Redis one.

The memory backend runs on the test clock (``clock.advance`` expires its keys at once);
Redis keeps its own time, so on Redis an expiry is waited for, within a bound.
"""

import secrets
import threading

import pytest

from idp import clock
from idp.storage.memory import MemoryStore
from idp.storage.redis import RedisStore
from tests.helpers.waiting import eventually


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def store(request):
    if request.param == "memory":
        yield MemoryStore()
        clock.reset()
        return
    url = request.getfixturevalue("shared_redis")
    backend = RedisStore(url, prefix=f"idptest:contract:{secrets.token_hex(4)}:")
    yield backend
    backend.clear()


def expire(store, seconds: float, condition) -> None:
    """Let ``seconds`` pass for the store's TTLs, then ``condition`` must hold."""
    if isinstance(store, MemoryStore):
        clock.advance(seconds)
        assert condition()
    else:
        eventually(condition, timeout=seconds + 3)


def test_set_get_and_nx(store):
    assert store.set("a", "1")
    assert store.get("a") == "1"
    assert not store.set("a", "2", nx=True)
    assert store.get("a") == "1"


def test_ttl_expires(store):
    store.set("short", "x", ttl=0.2)
    assert 0 < store.ttl("short") <= 0.2
    expire(store, 0.3, lambda: store.get("short") is None)


def test_set_and_get_writes_one_key_and_reads_another(store):
    assert store.set_and_get("mine", "1", 0.2, "theirs") is None
    assert store.get("mine") == "1"
    assert store.set_and_get("theirs", "2", None, "mine") == "1"
    assert store.ttl("theirs") is None and 0 < store.ttl("mine") <= 0.2
    expire(store, 0.3, lambda: store.get("mine") is None)
    assert store.set_and_get("again", "3", None, "mine") is None


def test_set_and_get_pairs_always_see_each_other(store):
    # Two callers, each writing its key and reading the other's: never both miss.
    for round_ in range(30):
        seen = []
        barrier = threading.Barrier(2)

        def go(mine, theirs, seen=seen, barrier=barrier):
            barrier.wait()
            seen.append(store.set_and_get(mine, "x", None, theirs))

        pairs = ((f"a{round_}", f"b{round_}"), (f"b{round_}", f"a{round_}"))
        threads = [threading.Thread(target=go, args=pair) for pair in pairs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(seen) == 2 and seen.count(None) <= 1


def test_getdel_consumes_once_under_concurrency(store):
    store.set("code", "value")
    results = []
    barrier = threading.Barrier(20)

    def take():
        barrier.wait()
        results.append(store.getdel("code"))

    threads = [threading.Thread(target=take) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("value") == 1


def test_incr_sets_ttl_only_on_creation(store):
    assert store.incr("n", ttl=10) == 1
    assert store.incr("n", ttl=1000) == 2
    assert store.ttl("n") <= 10


def test_sets(store):
    store.sadd("s", "a", "b")
    store.srem("s", "a")
    assert store.smembers("s") == {"b"}


def test_get_many_reads_keys_in_order(store):
    assert store.get_many() == []
    store.set("a", "1")
    store.set("c", "3")
    assert store.get_many("a", "b", "c") == ["1", None, "3"]


def test_set_many_writes_every_key_with_the_ttl(store):
    store.set_many({"a": "1", "b": "2"}, ttl=50)
    assert (store.get("a"), store.get("b")) == ("1", "2")
    assert 49 < store.ttl("a") <= 50 and 49 < store.ttl("b") <= 50
    store.set_many({"a": "3"})
    assert store.get("a") == "3" and store.ttl("a") is None


def test_set_each_writes_every_key_with_its_own_ttl(store):
    store.set_each({"a": ("1", 50), "b": ("2", 5), "c": ("3", None)})
    assert store.get_many("a", "b", "c") == ["1", "2", "3"]
    assert 49 < store.ttl("a") <= 50 and 4 < store.ttl("b") <= 5 and store.ttl("c") is None


def test_get_with_members_reads_a_value_and_a_set(store):
    assert store.get_with_members("v", "s") == (None, set())
    store.set("v", "x")
    store.sadd("s", "a", "b")
    assert store.get_with_members("v", "s") == ("x", {"a", "b"})


def test_sadd_within_ttl_follows_the_other_keys_ttl(store):
    store.set("owner", "x", ttl=50)
    store.sadd("s", "a")
    assert store.sadd_within_ttl("s", "b", "owner") is True
    assert store.smembers("s") == {"a", "b"}
    assert 49 < store.ttl("s") <= 50


def test_sadd_within_ttl_drops_the_set_when_the_other_key_is_gone_or_has_no_ttl(store):
    store.sadd("s", "a")
    assert store.sadd_within_ttl("s", "b", "owner") is False
    assert store.smembers("s") == set()
    store.set("owner", "x")  # no TTL
    assert store.sadd_within_ttl("s", "b", "owner") is False
    assert store.smembers("s") == set()


def test_lists(store):
    store.rpush("l", "a", "b", "c")
    assert store.lrange("l") == ["a", "b", "c"]
    assert store.lrange("l", 0, 1) == ["a", "b"]


def test_zpop_due_gives_each_member_once(store):
    for i in range(5):
        store.zadd("q", f"job{i}", i)
    assert store.zpop_due("q", 2) == ["job0", "job1", "job2"]
    assert store.zpop_due("q", 2) == []
    assert store.zpop_due("q", 10, limit=1) == ["job3"]


def test_publish_reaches_subscriber(store):
    got = threading.Event()
    received = []
    unsubscribe = store.subscribe("chan", lambda m: (received.append(m), got.set()))
    store.publish("chan", "hello")  # at once: subscribe returned once it was in place
    assert got.wait(3)
    assert received == ["hello"]
    unsubscribe()


def test_subscribe_returns_once_redis_confirmed_it(shared_redis):
    """Redis drops what is published before SUBSCRIBE is confirmed: subscribe waits for it."""
    store = RedisStore(shared_redis, prefix=f"idptest:contract:{secrets.token_hex(4)}:")
    channel = store.prefix + "confirmed"
    for _ in range(5):
        unsubscribe = store.subscribe("confirmed", lambda m: None)
        try:
            assert dict(store.client.pubsub_numsub(channel))[channel] == 1
        finally:
            unsubscribe()
        eventually(lambda: dict(store.client.pubsub_numsub(channel))[channel] == 0)


def test_subscribe_prefix_gets_every_matching_channel_after_it_is_ready(store):
    ready, got = threading.Event(), threading.Event()
    received = []

    def on_message(channel, message):
        received.append((channel, message))
        if len(received) == 2:
            got.set()

    unsubscribe = store.subscribe_prefix("acct[1]*:", on_message, ready.set)
    try:
        assert ready.wait(3)
        store.publish("acct[1]*:7", "a")
        store.publish("acct[2]*:7", "not mine")  # glob characters in the prefix are literal
        store.publish("other:7", "not mine")
        store.publish("acct[1]*:8", "b")
        assert got.wait(3)
        assert received == [("acct[1]*:7", "a"), ("acct[1]*:8", "b")]
    finally:
        unsubscribe()


def test_acquire_slot_takes_all_keys_or_none(store):
    limits = {"{live}:org:1": 2, "{live}:person:1": 1}
    assert store.acquire_slot("a", limits, ttl=30) is None
    assert store.acquire_slot("b", limits, ttl=30) == "{live}:person:1"
    assert store.slot_count("{live}:org:1") == 1  # the refused one took nothing
    assert store.acquire_slot("b", {"{live}:org:1": 2, "{live}:person:2": 1}, ttl=30) is None
    assert store.acquire_slot("c", {"{live}:org:1": 2, "{live}:person:3": 1}, ttl=30) \
        == "{live}:org:1"
    store.release_slot("a", "{live}:org:1", "{live}:person:1", "{live}:absent")
    assert store.slot_count("{live}:org:1") == 1 and store.slot_count("{live}:person:1") == 0
    assert store.acquire_slot("c", {"{live}:org:1": 2, "{live}:person:3": 1}, ttl=30) is None


def test_a_slot_expires_after_its_ttl(store):
    assert store.acquire_slot("a", {"slots": 1}, ttl=0.2) is None
    assert store.acquire_slot("b", {"slots": 1}, ttl=0.2) == "slots"
    expire(store, 0.3, lambda: store.slot_count("slots") == 0)
    assert store.acquire_slot("b", {"slots": 1}, ttl=30) is None


def test_slots_hold_under_concurrent_acquisition(store):
    barrier, results = threading.Barrier(8), []

    def take(i):
        barrier.wait()
        results.append(store.acquire_slot(f"m{i}", {"race": 3}, ttl=30))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results.count(None) == 3 and store.slot_count("race") == 3


def test_delete_and_clear(store):
    store.set("x", "1")
    store.set("y", "1")
    assert store.delete("x") == 1
    store.clear()
    assert store.get("y") is None
