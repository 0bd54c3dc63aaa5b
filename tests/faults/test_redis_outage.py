"""Redis stops in the middle of traffic: clear 503s (never a 500), and service resumes alone."""

import pytest

from tests.faults.conftest import traffic_through_outage
from tests.helpers.web import csrf_token, login


@pytest.fixture
def app_on_private_redis(private_redis, instances):
    return instances(redis_url=private_redis.url)


def test_outage_gives_503_pages_and_json_then_recovers(app_on_private_redis, private_redis, user):
    app = app_on_private_redis
    web = app.test_client()
    assert login(web, user["email"], user["password"]).status_code == 302
    assert web.get("/signed-in").status_code == 200
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)

    private_redis.stop()
    down = browser.post("/login", data={"email": user["email"], "password": user["password"],
                                        "csrf_token": csrf_token(page)})
    assert down.status_code == 503 and down.mimetype == "text/html"
    assert "temporarily unavailable" in down.get_data(as_text=True)
    assert down.headers["Retry-After"]
    assert web.get("/signed-in").status_code == 503  # the session lives in Redis
    ready = web.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["failing"] == ["store"]
    assert web.get("/healthz").status_code == 200  # the process itself is fine

    private_redis.start()  # an empty Redis: sessions are gone, the service is back
    assert web.get("/readyz").status_code == 200
    assert login(app.test_client(), user["email"], user["password"]).status_code == 302


def test_json_paths_answer_503_temporarily_unavailable(private_redis, instances):
    """Any JSON path that needs the store (a probe route here; the real OIDC endpoints are
    in test_oidc_outage.py) answers 503 JSON temporarily_unavailable."""
    app = instances(redis_url=private_redis.url)

    @app.get("/oauth2/_probe")
    def probe():
        from idp.storage.store import get_store

        return {"value": get_store().get("probe")}

    client = app.test_client()
    assert client.get("/oauth2/_probe").status_code == 200
    private_redis.stop()
    resp = client.get("/oauth2/_probe")
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    assert resp.get_json()["error"] == "temporarily_unavailable"
    assert client.get("/readyz").get_json()["failing"] == ["store"]
    private_redis.start()
    assert client.get("/oauth2/_probe").status_code == 200


def test_traffic_through_an_outage_never_sees_a_500(app_on_private_redis, private_redis, user):
    app = app_on_private_redis

    def make_round():
        browser = app.test_client()

        def one_round():
            page = browser.get("/login")
            seen = [("login page", page.status_code)]
            if page.status_code == 200:
                resp = browser.post("/login", data={
                    "email": user["email"], "password": user["password"],
                    "csrf_token": csrf_token(page.get_data(as_text=True))})
                seen.append(("login", resp.status_code))
            seen.append(("readyz", browser.get("/readyz").status_code))
            return seen

        return one_round

    statuses = [s for _, s in traffic_through_outage(private_redis, make_round, threads=4,
                                                     warm=20, failures=10, resumed=20)]
    assert 500 not in statuses
    assert set(statuses) <= {200, 302, 503}
    assert 503 in statuses and statuses[-1] in (200, 302)

