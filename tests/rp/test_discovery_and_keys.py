"""Discovery and JWKS caches honour Cache-Control; a key rotation at the live IdP is picked up
by a running RP (no restart), with at most one refetch a minute for unknown kids."""

from __future__ import annotations

import pytest

from idp.rp import errors
from idp.rp.discovery import Discovery
from idp.rp.http import Fetched, cache_lifetime, session
from idp.rp.jwks_cache import JWKSCache, http_fetcher
from idp.rp.resource import BearerError, ResourceServer
from tests.rp.conftest import ISSUER


class Ticks:
    """The RP's monotonic clock, moved by the test."""

    def __init__(self):
        self.value = 1000.0

    def __call__(self):
        return self.value


@pytest.mark.parametrize("header, seconds", [
    ("public, max-age=600", 600), ("max-age=0", 0), ('max-age="90"', 90),
    ("no-store", 0), ("no-cache, max-age=600", 0), ("private", 300), (None, 300), ("", 300),
    ("max-age=999999999", 86400), ("s-maxage=5", 300), ("max-age=abc", 300),
])
def test_cache_lifetime_follows_cache_control(header, seconds):
    assert cache_lifetime(header) == seconds


def _metadata(**changes):
    return {"issuer": ISSUER, "authorization_endpoint": ISSUER + "/a", "token_endpoint": ISSUER + "/t",
            "jwks_uri": ISSUER + "/jwks", **changes}


def test_discovery_is_cached_for_its_max_age_then_refetched():
    ticks, calls = Ticks(), []

    def fetch(url):
        calls.append(url)
        return Fetched(_metadata(), 3600)

    discovery = Discovery(ISSUER, fetch=fetch, now=ticks)
    for _ in range(5):
        assert discovery["token_endpoint"] == ISSUER + "/t"
    ticks.value += 3599
    discovery.metadata()
    assert calls == [ISSUER + "/.well-known/openid-configuration"]
    ticks.value += 1
    discovery.metadata()
    assert len(calls) == 2


def test_discovery_for_another_issuer_is_refused():
    discovery = Discovery(ISSUER, fetch=lambda url: Fetched(_metadata(issuer="https://evil.example"), 60))
    with pytest.raises(errors.DiscoveryError, match="another issuer"):
        discovery.metadata()
    with pytest.raises(errors.DiscoveryError, match="token_endpoint"):
        Discovery(ISSUER, fetch=lambda url: Fetched(_metadata(token_endpoint=None), 60)).metadata()


def test_discovery_keeps_its_copy_while_the_idp_is_briefly_away():
    ticks, answers = Ticks(), [Fetched(_metadata(), 10)]

    def fetch(url):
        if not answers:
            raise errors.DiscoveryError("down")
        return answers.pop()

    discovery = Discovery(ISSUER, fetch=fetch, now=ticks)
    discovery.metadata()
    ticks.value += 60
    assert discovery["jwks_uri"] == ISSUER + "/jwks"  # stale, but better than failing


def test_the_jwks_is_kept_for_its_cache_control_max_age(issuer):
    ticks, fetches = Ticks(), []

    def fetch():
        fetches.append(1)
        return Fetched(issuer.jwks, 120)

    cache = JWKSCache(fetch, max_age=3600, now=ticks)
    token = issuer.sign(issuer.id_claims())
    cache.decode(token)
    ticks.value += 119
    cache.decode(token)
    assert len(fetches) == 1
    ticks.value += 1
    cache.decode(token)
    assert len(fetches) == 2  # the header's 120 s, not the constructor's 3600


def test_an_unknown_kid_refetches_at_most_once_a_minute(issuer):
    ticks, fetches = Ticks(), []

    def fetch():
        fetches.append(1)
        return issuer.jwks

    cache = JWKSCache(fetch, now=ticks)
    cache.decode(issuer.sign(issuer.id_claims()))
    for _ in range(10):  # forged kids do not make the RP hammer the IdP
        with pytest.raises(errors.UnknownKey):
            cache.decode(issuer.sign(issuer.id_claims(), kid="forged"))
    assert len(fetches) == 1
    ticks.value += 60
    with pytest.raises(errors.UnknownKey):
        cache.decode(issuer.sign(issuer.id_claims(), kid="forged"))
    assert len(fetches) == 2


def test_the_live_idps_cache_control_is_honoured(live_idp):
    base_url, app = live_idp
    ticks, http = Ticks(), session()
    discovery = Discovery(base_url, http=http, now=ticks)
    discovery.metadata()
    fetch = http_fetcher(discovery["jwks_uri"], http=http)
    fetched = fetch()
    assert fetched.max_age == app.config["IDP"].jwks_max_age
    cache = JWKSCache(fetch, now=ticks)
    cache.keyset()
    assert cache.lifetime == app.config["IDP"].jwks_max_age
    ticks.value += 3599
    discovery.metadata()
    assert discovery.fetches == 1  # the IdP's metadata says max-age=3600


def _access_token(app, audience: str) -> str:
    from idp import clock
    from idp.keystore import signer

    now = clock.timestamp()
    with app.app_context():
        return signer.sign({"iss": app.config["IDP"].issuer, "sub": "7", "aud": [audience],
                            "client_id": "c1", "jti": f"j{now}", "iat": now, "exp": now + 300,
                            "plan_status": "active", "products": ["project"], "org_id": 1},
                           "RS256", "at+jwt")


def test_a_key_rotation_at_the_idp_is_picked_up_without_restarting_the_rp(live_idp):
    from idp.keystore import rotation

    base_url, app = live_idp
    audience, ticks = "https://project.tomps.example", Ticks()
    discovery = Discovery(base_url)
    jwks = JWKSCache(http_fetcher(lambda: discovery["jwks_uri"]), now=ticks)
    api = ResourceServer(base_url, audience, "project", jwks=jwks)  # one RP, never rebuilt

    before = _access_token(app, audience)
    assert api.authenticate(f"Bearer {before}")["sub"] == "7"
    with app.app_context():
        rotation.rotate(force=True)  # an emergency rotation: the RP has never seen the new kid
    after = _access_token(app, audience)
    assert before.split(".")[0] != after.split(".")[0]
    ticks.value += 61  # the last fetch is a minute old: the unknown kid may refetch
    assert api.authenticate(f"Bearer {after}")["sub"] == "7"
    assert api.authenticate(f"Bearer {before}")  # the retired key is still published
    assert jwks.fetches == 2


def test_a_revoked_key_is_refused_once_the_copy_is_refreshed(live_idp):
    from idp.keystore import revocation

    base_url, app = live_idp
    audience, ticks = "https://project.tomps.example", Ticks()
    jwks = JWKSCache(http_fetcher(base_url + "/.well-known/jwks.json"), now=ticks)
    api = ResourceServer(base_url, audience, "project", jwks=jwks)
    token = _access_token(app, audience)
    api.authenticate(f"Bearer {token}")
    with app.app_context():
        revocation.revoke(jwks.decode(token).header["kid"])
    ticks.value += jwks.lifetime
    with pytest.raises(BearerError) as caught:
        api.authenticate(f"Bearer {token}")
    assert caught.value.status == 401 and caught.value.error == "invalid_token"


def test_the_keys_in_hand_outlive_a_brief_idp_outage(issuer):
    from idp.rp.jwks_cache import RETRY_AFTER, STALE_FOR

    ticks, attempts, up = Ticks(), [], [True]

    def fetch():
        attempts.append(ticks.value)
        if not up[0]:
            raise errors.DiscoveryError("cannot fetch the JWKS: ConnectionError")
        return Fetched(issuer.jwks, 120)

    cache = JWKSCache(fetch, now=ticks)
    token = issuer.sign(issuer.id_claims())
    cache.decode(token)
    up[0] = False
    ticks.value += 120  # the copy's max-age is over and the IdP does not answer
    assert cache.decode(token)  # validated offline with the keys in hand
    cache.decode(token)
    assert len(attempts) == 2  # asked once, not on every request
    ticks.value += RETRY_AFTER
    assert cache.decode(token) and len(attempts) == 3
    with pytest.raises(errors.UnknownKey):  # a failed unknown-kid refetch is still a refusal
        cache.decode(issuer.sign(issuer.id_claims(), kid="rotated-in"))
    ticks.value = 1000.0 + 120 + STALE_FOR  # away too long: the copy is no longer trusted
    with pytest.raises(errors.DiscoveryError):
        cache.decode(token)
    up[0] = True
    assert cache.decode(token)  # back: fetched again


def test_an_api_answers_503_json_when_the_idps_keys_cannot_be_had(issuer):
    from flask import Flask

    from idp.rp.flask import RelyingParty

    app = Flask("api")
    app.config.update(RP_ISSUER="http://127.0.0.1:1", RP_CLIENT_ID="c", RP_CLIENT_SECRET="s",
                      RP_BASE_URL="http://project.localhost:1", RP_PRODUCT="project",
                      RP_AUDIENCE="https://project.tomps.example")
    rp = RelyingParty(app)
    app.add_url_rule("/api", "api", rp.bearer_required(lambda: {"ok": True}))
    token = issuer.sign(issuer.access_claims(), typ="at+jwt")
    resp = app.test_client().get("/api", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 503 and resp.is_json  # never the HTML sign-in error page
    assert resp.json["error"] == "temporarily_unavailable"
    assert "WWW-Authenticate" not in resp.headers  # the caller's token is not at fault
