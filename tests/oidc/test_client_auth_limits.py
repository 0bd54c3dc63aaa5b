"""Strangers cannot lock a client out (issue 11 item 6; docs/hardening.md).

A client's own allowance at the token, revocation and introspection endpoints
counts only its authenticated requests. Failed client authentications (a wrong
secret, an unknown client_id, a wrong method) are counted apart, per source
address and per client, with their own limits; past either, the request gets no
slow secret hash — 429, Retry-After, an OAuth-shaped JSON body — unless its
credentials are ones the IdP has already verified (a constant-time digest check).
"""

import pytest

from idp import clock
from tests.oidc.conftest import basic

STRANGER, BACKEND = "203.0.113.9", "198.51.100.7"


def _instance(instances, allowance=1000, per_ip=1000, per_client=1000):
    return instances(token_rate_limit_per_client=allowance, token_rate_limit_window=60,
                     client_auth_failures_per_ip=per_ip,
                     client_auth_failures_per_client=per_client, client_auth_failure_window=300)


def _browser(app, address):
    web = app.test_client()
    web.environ_base["REMOTE_ADDR"] = address
    return web


def _token(web, client_id, secret):
    return web.post("/oauth2/token", data={"grant_type": "client_credentials"},
                    headers=basic(client_id, secret))


@pytest.fixture
def service(make_client):
    return make_client(grant_types=["client_credentials"], redirect_uri=None, redirect_uris=[])


@pytest.fixture
def hashes(monkeypatch):
    """Count the slow (argon2id) verifications of client secrets."""
    from idp.clients import secrets as passwords

    calls = []
    real = passwords.verify

    def counting(password_hash, password):
        calls.append(1)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify", counting)
    return calls


def _forget_verified_secrets(monkeypatch):
    """What a process that never saw the secret knows (another instance, a restarted worker)."""
    from idp.clients import secrets as passwords

    monkeypatch.setattr(passwords, "_verified_secrets", {})


def test_strangers_naming_a_client_do_not_spend_its_allowance(instances, service):
    app = _instance(instances, allowance=3)
    stranger, backend = _browser(app, STRANGER), _browser(app, BACKEND)
    for _ in range(10):
        assert _token(stranger, service["client_id"], "wrong").status_code == 401
    statuses = [_token(backend, service["client_id"], service["client_secret"]).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # its own three, then its own limit


def test_the_allowance_counts_authenticated_requests_only(instances, service):
    from idp import ratelimit

    app = _instance(instances)
    for _ in range(4):
        _token(_browser(app, STRANGER), service["client_id"], "wrong")
    with app.app_context():
        assert ratelimit.count(f"client:{service['client_id']}", 60) == 0
    _token(_browser(app, BACKEND), service["client_id"], service["client_secret"])
    with app.app_context():
        assert ratelimit.count(f"client:{service['client_id']}", 60) == 1


def test_failed_authentications_are_limited_per_address(instances, service):
    app = _instance(instances, per_ip=4)
    stranger = _browser(app, STRANGER)
    for n in range(4):
        assert _token(stranger, service["client_id"] if n % 2 else "nobody", "x").status_code == 401
    resp = _token(stranger, service["client_id"], "wrong")
    assert resp.status_code == 429 and resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["error"] == "temporarily_unavailable" and body["error_description"]
    assert 1 <= int(resp.headers["Retry-After"]) <= 300
    # Other addresses are not affected, and the client itself is served.
    assert _token(_browser(app, "192.0.2.1"), service["client_id"], "wrong").status_code == 401
    assert _token(_browser(app, BACKEND), service["client_id"],
                  service["client_secret"]).status_code == 200
    clock.advance(301)
    assert _token(stranger, service["client_id"], "wrong").status_code == 401


def test_failed_authentications_are_limited_per_client_and_the_client_is_still_served(
        instances, service, hashes, monkeypatch):
    app = _instance(instances, per_client=5)
    assert _token(_browser(app, BACKEND), service["client_id"],
                  service["client_secret"]).status_code == 200
    statuses = [_token(_browser(app, f"203.0.113.{n}"), service["client_id"], f"guess{n}")
                .status_code for n in range(1, 9)]
    assert statuses == [401] * 5 + [429] * 3  # from eight addresses: the client's limit
    # The real backend, from its usual address or a new one, is still served ...
    assert _token(_browser(app, BACKEND), service["client_id"],
                  service["client_secret"]).status_code == 200
    # ... even by a process that has never verified the secret itself.
    _forget_verified_secrets(monkeypatch)
    hashes.clear()
    assert _token(_browser(app, "198.51.100.8"), service["client_id"],
                  service["client_secret"]).status_code == 200
    assert hashes == []  # recognised without the slow hash


def test_past_a_failure_limit_no_slow_hash_is_computed(instances, service, hashes):
    app = _instance(instances, per_ip=3)
    stranger = _browser(app, STRANGER)
    for _ in range(3):
        assert _token(stranger, service["client_id"], "wrong").status_code == 401
    burned = len(hashes)
    assert burned == 3
    for _ in range(20):
        assert _token(stranger, service["client_id"], "wrong").status_code == 429
    assert len(hashes) == burned


def test_distributed_guesses_burn_at_most_the_clients_limit(instances, service, hashes):
    app = _instance(instances, per_client=4)
    for n in range(30):
        _token(_browser(app, f"10.0.{n // 250}.{n % 250}"), service["client_id"], f"g{n}")
    assert len(hashes) == 4


def test_revocation_and_introspection_failures_count_too(instances, service):
    app = _instance(instances, per_ip=2)
    stranger = _browser(app, STRANGER)
    auth = basic(service["client_id"], "wrong")
    assert stranger.post("/oauth2/introspect", data={"token": "x"}, headers=auth).status_code == 401
    assert stranger.post("/oauth2/revoke", data={"token": "x"}, headers=auth).status_code == 401
    resp = stranger.post("/oauth2/introspect", data={"token": "x"}, headers=auth)
    assert resp.status_code == 429 and resp.get_json()["error"] == "temporarily_unavailable"


def test_a_public_clients_allowance_is_counted_per_address(instances, make_client):
    """Anyone can name a public client: its allowance is per source address."""
    app = _instance(instances, allowance=3)
    spa = make_client(public=True, first_party=True, redirect_uri="http://127.0.0.1:8765/cb")

    def redeem(web):
        return web.post("/oauth2/token", data={
            "grant_type": "authorization_code", "code": "bogus", "client_id": spa["client_id"],
            "redirect_uri": spa["redirect_uri"], "code_verifier": "v" * 43})

    stranger = _browser(app, STRANGER)
    assert [redeem(stranger).status_code for _ in range(4)] == [400, 400, 400, 429]
    assert redeem(_browser(app, BACKEND)).status_code == 400  # invalid_grant, not 429


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
@pytest.mark.parametrize("memo", ["this process", "the shared store"])
def test_a_remembered_secret_never_vouches_for_another(web, make_client, monkeypatch, method,
                                                       memo):
    """After a success the secret is remembered (a verifier); a wrong secret still gets 401.
    A remembered check that always said yes was caught only by a CLI test before."""
    client = make_client(grant_types=["client_credentials"], auth_method=method)

    def token(secret):
        data = {"grant_type": "client_credentials"}
        if method == "client_secret_post":
            return web.post("/oauth2/token", data={**data, "client_id": client["client_id"],
                                                   "client_secret": secret})
        return web.post("/oauth2/token", data=data, headers=basic(client["client_id"], secret))

    assert token(client["client_secret"]).status_code == 200  # verified, then remembered
    if memo == "the shared store":
        _forget_verified_secrets(monkeypatch)  # another instance: only the store's verifier
    wrong = token(client["client_secret"][:-1] + ("A" if client["client_secret"][-1] != "A"
                                                  else "B"))
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"
    assert token(client["client_secret"]).status_code == 200
