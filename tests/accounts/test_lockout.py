"""Login lockout: per account and per IP, growing, the same for unknown emails."""

import pytest

from idp import clock
from tests.helpers.web import login

LOCKED = "Too many attempts. Please wait a moment and try again."


def fail_times(web, email, n):
    return [login(web, email, "wrong password").status_code for _ in range(n)]


def test_five_failures_lock_the_account(web, user):
    assert fail_times(web, user["email"], 5) == [401] * 5
    resp = login(web, user["email"], user["password"])  # even the right password
    assert resp.status_code == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert LOCKED in resp.get_data(as_text=True)
    assert web.get("/signed-in").status_code == 302


def test_unknown_email_locks_the_same_way(web, user):
    fail_times(web, user["email"], 5)
    fail_times(web, "nobody@example.com", 5)
    known = login(web, user["email"], "x")
    unknown = login(web, "nobody@example.com", "x")
    assert known.status_code == unknown.status_code == 429
    # Both locked for the same length (up to the second that passed between them).
    assert abs(int(known.headers["Retry-After"]) - int(unknown.headers["Retry-After"])) <= 2
    strip = lambda r: r.get_data(as_text=True).replace(user["email"], "").replace("nobody@example.com", "")
    assert strip(known).split("csrf_token")[0] == strip(unknown).split("csrf_token")[0]


def test_lock_ends_and_the_next_one_doubles(web, user):
    fail_times(web, user["email"], 5)
    clock.advance(61)
    assert login(web, user["email"], user["password"]).status_code == 302
    fail_times(web, user["email"], 5)
    assert 61 <= int(login(web, user["email"], "x").headers["Retry-After"]) <= 120
    clock.advance(121)
    assert login(web, user["email"], "x").status_code == 401


def test_lock_length_is_capped(app, clean):
    from idp.accounts import lockout

    with app.app_context():
        subject = lockout.account("cap@example.com")
        lengths = []
        for _ in range(10):
            lengths += [seconds for _, seconds in lockout.register_failure(*[subject] * 5)]
            clock.advance(app.config["IDP"].login_lockout_max + 1)
        assert lengths[:3] == [60, 120, 240]
        assert max(lengths) == app.config["IDP"].login_lockout_max


def test_parallel_failures_start_one_lock(app, clean):
    from idp.accounts import lockout

    with app.app_context():
        subject = lockout.account("race@example.com")
        first = lockout.register_failure(*[subject] * 5)
        assert first == [(subject, 60)]
        # Failures racing in after the lock do not start (or lengthen) another one.
        assert lockout.register_failure(*[subject] * 5) == []
        assert lockout.locked_for(subject) <= 60


def test_a_success_forgets_earlier_failures(web, user):
    fail_times(web, user["email"], 4)
    assert login(web, user["email"], user["password"]).status_code == 302
    assert fail_times(web, user["email"], 4) == [401] * 4


def test_ip_limit_is_higher_and_spans_accounts(web, clean):
    # 50 failures from one IP, over different emails (no single account reaches 5).
    for i in range(50):
        assert login(web, f"spray{i}@example.com", "x").status_code == 401
    assert login(web, "fresh@example.com", "x").status_code == 429


def test_two_instances_share_the_lockout(web, user, instances):
    other = instances().test_client()
    fail_times(web, user["email"], 3)
    fail_times(other, user["email"], 2)
    assert login(web, user["email"], user["password"]).status_code == 429
    assert login(other, user["email"], user["password"]).status_code == 429


@pytest.mark.parametrize("event", ["login.failed", "account.locked", "login.locked"])
def test_lockout_is_audited(app, web, user, event):
    from idp.audit import search

    fail_times(web, user["email"], 6)
    with app.app_context():
        assert any(e.type == event for e in search(limit=100))


def forwarded_attempt(app, ip):
    """A failed login from a browser whose request says it is forwarded for ``ip``."""
    from tests.helpers.web import csrf_token

    browser = app.test_client()
    page = browser.get("/login", headers={"X-Forwarded-For": ip})
    return browser.post("/login", headers={"X-Forwarded-For": ip}, data={
        "email": f"u{ip}@example.com", "password": "x",
        "csrf_token": csrf_token(page.get_data(as_text=True))}).status_code


def test_a_spoofed_forwarded_for_is_ignored_without_a_proxy(instances):
    from idp.audit import search

    app = instances(login_max_failures_per_ip=5)
    assert [forwarded_attempt(app, f"10.0.0.{i}") for i in range(6)] == [401] * 5 + [429]
    with app.app_context():
        assert {e.ip for e in search(type="login.failed")} == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(instances):
    from idp.audit import search

    app = instances(trusted_proxy_count=1, login_max_failures_per_ip=5)
    assert [forwarded_attempt(app, "203.0.113.8") for _ in range(6)] == [401] * 5 + [429]
    assert forwarded_attempt(app, "203.0.113.7") == 401  # the proxy's other clients are not locked
    with app.app_context():
        assert {e.ip for e in search(type="login.failed")} == {"203.0.113.8", "203.0.113.7"}
