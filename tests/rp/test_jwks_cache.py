"""The relying-party JWKS cache: a rotation never strands an RP."""

import base64

import pytest

from idp.keystore import revocation, rotation, signer
from idp.keystore.jwks import jwks_document
from idp.rp.jwks_cache import JWKSCache, TokenRejected
from tests.keystore.conftest import claims, wait_out_max_age


class FakeTime:
    """A monotonic clock the test moves (the RP's, not the IdP's)."""

    def __init__(self):
        self.value = 1000.0

    def __call__(self):
        return self.value


@pytest.fixture
def rp(ctx):
    ticks = FakeTime()

    def fetch():
        signer.invalidate(broadcast=False)
        return jwks_document()

    return JWKSCache(fetch, max_age=ctx.config["IDP"].jwks_max_age, now=ticks), ticks


def test_rp_with_a_jwks_cached_before_rotation_validates_tokens_issued_after_it(ctx, rp):
    cache, ticks = rp
    before = signer.sign(claims())
    assert cache.decode(before).claims["sub"] == "u1" and cache.fetches == 1
    rotation.rotate(force=True)  # no waiting: the RP has never seen the new kid
    after = signer.sign(claims())
    ticks.value += 61
    assert cache.decode(after).claims["sub"] == "u1"
    assert cache.fetches == 2
    assert cache.decode(before)  # the retired key is still published


def test_rp_refetches_on_an_unknown_kid_at_most_once_a_minute(ctx, rp):
    cache, ticks = rp
    cache.decode(signer.sign(claims()))
    rotation.rotate(force=True)
    after = signer.sign(claims())
    ticks.value += 30
    cache.fetches = 1
    with pytest.raises(TokenRejected, match="unknown kid"):
        cache.decode(after)  # fetched less than a minute ago: no refetch yet
    assert cache.fetches == 1
    ticks.value += 31
    assert cache.decode(after) and cache.fetches == 2
    for _ in range(5):
        with pytest.raises(TokenRejected):
            cache.decode(_with_kid(after, "forged-kid"))
    assert cache.fetches == 2  # forged kids cannot make the RP hammer the IdP


def test_a_key_rotated_in_the_normal_way_is_already_in_the_rps_cache(ctx, rp):
    cache, ticks = rp
    cache.decode(signer.sign(claims()))  # fetched before the next key exists
    rotation.generate("RS256")
    ticks.value += ctx.config["IDP"].jwks_max_age  # its copy expires: refreshed on next use
    cache.decode(signer.sign(claims()))
    assert cache.fetches == 2
    wait_out_max_age(ctx)
    rotation.rotate()
    assert cache.decode(signer.sign(claims()))
    assert cache.fetches == 2  # it already held the new kid: no refetch was needed


def test_rp_rejects_tokens_of_a_revoked_key_once_its_copy_is_refreshed(ctx, rp):
    cache, ticks = rp
    token = signer.sign(claims())
    cache.decode(token)
    revocation.revoke(cache.decode(token).header["kid"])
    ticks.value += ctx.config["IDP"].jwks_max_age
    with pytest.raises(TokenRejected):
        cache.decode(token)


# A header nested too deep for Python's json (RecursionError, not ValueError): issue 11 item 8.
DEEP_HEADER = base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).decode()


@pytest.mark.parametrize("token", ["", "a.b.c", "x", "e30.e30.sig", DEEP_HEADER + ".e30.sig"])
def test_malformed_tokens_are_rejected(rp, token):
    cache, _ = rp
    with pytest.raises(TokenRejected):
        cache.decode(token)


def _with_kid(token: str, kid: str) -> str:
    import base64
    import json

    head, rest = token.split(".", 1)
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    header["kid"] = kid
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
    return encoded + "." + rest
