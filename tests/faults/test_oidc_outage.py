"""Redis stops while the authorization server is in use (issue 6 item 6): the token
endpoint answers 503 JSON temporarily_unavailable, /oauth2/authorize (a page people see)
a 503 HTML page, never a 500, and userinfo goes on from Postgres; when Redis returns,
they serve again alone."""

from __future__ import annotations

import pytest

from tests.faults.conftest import traffic_through_outage
from tests.oidc.conftest import Flow, basic


@pytest.fixture
def oidc_app(private_redis, instances):
    return instances(redis_url=private_redis.url)


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_protocol_endpoints_answer_503_then_resume(oidc_app, private_redis, user, make_client):
    client = make_client(first_party=True)
    web = oidc_app.test_client()
    flow = Flow(web, client, user)
    tokens = flow.tokens()

    private_redis.stop()
    for resp in (flow.refresh(tokens["refresh_token"]), flow.exchange("c" * 43)):
        assert resp.status_code == 503 and resp.mimetype == "application/json"
        assert resp.get_json()["error"] == "temporarily_unavailable"
        assert resp.headers["Retry-After"]
    # Userinfo needs no Redis: revocations and entitlements are read from Postgres
    # (issue 11 items 4 and 5; a revoked token stays refused: test_durable_revocation.py).
    assert web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])).status_code == 200
    page = flow.authorize()
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "temporarily unavailable" in page.get_data(as_text=True)

    private_redis.start()  # empty: the browser's session is gone, tokens in Postgres live on
    assert web.get("/oauth2/userinfo", headers=_bearer(tokens["access_token"])).status_code == 200
    assert flow.refresh(tokens["refresh_token"]).status_code == 200
    assert "/login" in flow.authorize().headers["Location"]


def test_oidc_traffic_through_an_outage_never_sees_a_500(oidc_app, private_redis, user,
                                                          make_client):
    client = make_client(first_party=True, grant_types=["client_credentials"])
    flow = Flow(oidc_app.test_client(), make_client(first_party=True), user)
    access = flow.tokens()["access_token"]

    def make_round():
        web = oidc_app.test_client()
        rp = Flow(web, flow.client, user)

        def one_round():
            return [
                ("token", web.post("/oauth2/token", data={"grant_type": "client_credentials"},
                                   headers=basic(client["client_id"],
                                                 client["client_secret"])).status_code),
                ("userinfo", web.get("/oauth2/userinfo", headers=_bearer(access)).status_code),
                ("authorize", rp.authorize().status_code),
            ]

        return one_round

    statuses = traffic_through_outage(private_redis, make_round, threads=3, warm=15,
                                      failures=9, resumed=15)
    codes = {s for _, s in statuses}
    assert 500 not in codes and codes <= {200, 302, 503}, codes
    assert {s for name, s in statuses[-6:]} <= {200, 302}  # served again
