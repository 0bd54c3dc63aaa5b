"""Real parallel logins against one account, through two instances sharing Redis:
at most the limit reach the password check, whatever the concurrency."""

import threading

from tests.helpers.web import csrf_token


def test_parallel_guesses_on_two_instances_get_at_most_five_checks(app, user, instances):
    browsers = []
    for application in (app, instances()):
        for _ in range(10):
            browser = application.test_client()
            token = csrf_token(browser.get("/login").get_data(as_text=True))
            browsers.append((browser, token))
    statuses: list[int] = []
    barrier = threading.Barrier(len(browsers))

    def guess(browser, token):
        barrier.wait()
        resp = browser.post("/login", data={"email": user["email"], "password": "guess",
                                             "csrf_token": token})
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 20
    assert statuses.count(401) <= 5 and statuses.count(401) + statuses.count(429) == 20
    browser, token = browsers[0]
    right = browser.post("/login", data={"email": user["email"], "password": user["password"],
                                         "csrf_token": token})
    assert right.status_code == 429  # the account is locked now
