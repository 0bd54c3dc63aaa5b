"""Parallel code guesses on one parked login: at most the limit are checked."""

import threading

from tests.helpers.totp import code_for, enrol
from tests.helpers.web import csrf_token, login


def test_parallel_code_guesses_are_capped(app, web, user):
    login(web, user["email"], user["password"])
    secret, _ = enrol(web)
    valid = {code_for(secret, step) for step in (-1, 0, 1)}  # never guessed: every guess is wrong
    guesses = [code for code in (f"{n:06d}" for n in range(40)) if code not in valid][:20]
    owner = app.test_client()
    login(owner, user["email"], user["password"])
    token = csrf_token(owner.get("/login/totp").get_data(as_text=True))
    cookie = owner.get_cookie("idp_session").value
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def guess(n):
        browser = app.test_client()
        browser.set_cookie("idp_session", cookie)
        barrier.wait()
        resp = browser.post("/login/totp", data={"code": guesses[n], "csrf_token": token})
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 20 and 500 not in statuses
    assert 302 not in statuses
    from idp.audit import search

    with app.app_context():  # every checked wrong code is audited (none lost to pool waits)
        checked = len(search(type="totp.failed"))
    # 401: checked and wrong; the last allowed wrong code ends the parked login (400);
    # the rest were refused before any check (429 locked / 400 expired). At least the
    # first guess was checked (a limiter refusing everything would pass "at most").
    assert 1 <= statuses.count(401) <= checked <= 5, statuses
