"""Rate limits in the shared store: fixed windows, shared by every instance."""

import threading

import pytest

from idp import clock, ratelimit


def test_hits_up_to_the_limit_are_allowed(ctx):
    results = [ratelimit.hit("t:a", 3, 60) for _ in range(4)]
    assert [allowed for allowed, _ in results] == [True, True, True, False]
    assert 1 <= results[-1][1] <= 60


def test_a_new_window_starts_over(ctx):
    for _ in range(3):
        ratelimit.hit("t:b", 2, 60)
    assert ratelimit.hit("t:b", 2, 60)[0] is False
    clock.advance(61)
    assert ratelimit.hit("t:b", 2, 60) == (True, 0)


def test_keys_do_not_share_counters(ctx):
    for _ in range(3):
        ratelimit.hit("t:c", 2, 60)
    assert ratelimit.hit("t:d", 2, 60)[0] is True


def test_concurrent_hits_lose_no_count(app, clean):
    def worker():
        with app.app_context():
            for _ in range(10):
                ratelimit.hit("t:threads", 1000, 60)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert ratelimit.count("t:threads", 60) == 80


def test_two_instances_share_one_counter(app, instances):
    other = instances()
    with app.app_context():
        ratelimit.hit("t:shared", 2, 60)
    with other.app_context():
        ratelimit.hit("t:shared", 2, 60)
        assert ratelimit.hit("t:shared", 2, 60)[0] is False
    with app.app_context():
        assert ratelimit.count("t:shared", 60) == 3


def test_limit_client_raises_past_the_limit(instances):
    small = instances(token_rate_limit_per_client=2)
    with small.app_context():
        ratelimit.limit_client("rp-1")
        ratelimit.limit_client("rp-1")
        with pytest.raises(ratelimit.RateLimited) as info:
            ratelimit.limit_client("rp-1")
        assert info.value.retry_after >= 1
        ratelimit.limit_client("rp-2")  # another client has its own budget


def test_rate_limited_renders_429_json_on_protocol_paths(instances):
    """What the token endpoint will answer: 429, Retry-After, temporarily_unavailable."""
    small = instances(token_rate_limit_per_client=1)

    @small.post("/oauth2/_probe")
    def probe():
        ratelimit.limit_client("rp-probe")
        return {"ok": True}

    from idp.extensions import csrf

    csrf.exempt(probe)
    client = small.test_client()
    assert client.post("/oauth2/_probe").status_code == 200
    resp = client.post("/oauth2/_probe")
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert resp.get_json()["error"] == "temporarily_unavailable"
