"""The token endpoint's per-client rate limit (docs/hardening.md): 429 (RFC 6585 §4),
Retry-After and a JSON temporarily_unavailable, one counter shared by every instance."""

from idp import clock
from tests.oidc.conftest import basic

LIMIT = 3


def _post(web, client, **data):
    return web.post("/oauth2/token", data={"grant_type": "client_credentials", **data},
                    headers=basic(client["client_id"], client["client_secret"]))


def _limited(instances):
    return instances(token_rate_limit_per_client=LIMIT, token_rate_limit_window=60)


def test_past_the_limit_the_client_gets_429_json_with_retry_after(instances, make_client):
    client = make_client(grant_types=["client_credentials"])
    web = _limited(instances).test_client()
    assert [_post(web, client).status_code for _ in range(LIMIT)] == [200] * LIMIT
    resp = _post(web, client)
    assert resp.status_code == 429 and resp.mimetype == "application/json"
    assert resp.get_json()["error"] == "temporarily_unavailable"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert "access_token" not in resp.get_json()


def test_the_limit_is_per_client_and_the_window_passes(instances, make_client):
    one, other = (make_client(grant_types=["client_credentials"]) for _ in range(2))
    web = _limited(instances).test_client()
    for _ in range(LIMIT + 1):
        _post(web, one)
    assert _post(web, one).status_code == 429
    assert _post(web, other).status_code == 200  # another client has its own budget
    clock.advance(61)
    assert _post(web, one).status_code == 200


def test_two_instances_share_one_counter(instances, make_client):
    client = make_client(grant_types=["client_credentials"])
    first, second = _limited(instances).test_client(), _limited(instances).test_client()
    statuses = [_post(web, client).status_code for web in (first, second, first)]
    assert statuses == [200] * LIMIT
    assert _post(second, client).status_code == 429
    assert _post(first, client).status_code == 429


def test_unknown_client_ids_spend_no_real_clients_budget_and_make_no_keys(instances, make_client,
                                                                           app):
    """Random client_ids are failed authentications of their source address (issue 11 item 6)."""
    from idp import ratelimit

    client = make_client(grant_types=["client_credentials"])
    web = _limited(instances).test_client()
    for n in range(LIMIT + 5):
        assert web.post("/oauth2/token", data={"grant_type": "client_credentials"},
                        headers=basic(f"random{n}", "x")).status_code == 401
    assert _post(web, client).status_code == 200  # the flood did not touch its budget
    with app.app_context():  # one counter for the address, none per random id
        assert ratelimit.count("client-auth-failed:ip:127.0.0.1", 300) == LIMIT + 5
        assert ratelimit.count("client-auth-failed:client:random0", 300) == 0
        assert ratelimit.count("client:unknown", 60) == 0


def test_revocation_and_introspection_have_their_own_per_client_counter(instances, make_client):
    client = make_client(grant_types=["client_credentials"])
    web = _limited(instances).test_client()
    auth = basic(client["client_id"], client["client_secret"])
    for _ in range(LIMIT):
        assert web.post("/oauth2/introspect", data={"token": "x"}, headers=auth).status_code == 200
    resp = web.post("/oauth2/introspect", data={"token": "x"}, headers=auth)
    assert resp.status_code == 429 and resp.get_json()["error"] == "temporarily_unavailable"
    assert web.post("/oauth2/revoke", data={"token": "x"}, headers=auth).status_code == 200
    assert _post(web, client).status_code == 200  # the token budget is untouched
