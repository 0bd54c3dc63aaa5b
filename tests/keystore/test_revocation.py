"""Emergency revocation: out of the JWKS and refused everywhere at once."""

import time

import pytest

from idp import events
from idp.keystore import revocation, rotation, signer
from idp.keystore.jwks import InvalidJWT, verify
from idp.keystore.keys import KeystoreError, all_keys, keys_in

from .conftest import _hears_broadcasts, claims


@pytest.fixture
def revoked_events():
    seen = []

    def receiver(sender, kid):
        seen.append(kid)

    events.key_revoked.connect(receiver)
    yield seen
    events.key_revoked.disconnect(receiver)


def test_revoking_the_active_key_fails_its_tokens_on_another_instance(
        ctx, second, revoked_events):
    with second.app_context():
        token = signer.sign(claims())  # the second instance caches the key now
        assert verify(token)
    kid = verify(token).header["kid"]
    out = revocation.revoke(kid)
    assert out["was"] == "active" and revoked_events == [kid]
    with second.app_context():  # no wait
        with pytest.raises(InvalidJWT):
            verify(token)
        fresh = signer.sign(claims())
        assert verify(fresh).header["kid"] == out["activated"] != kid
    with pytest.raises(InvalidJWT):
        verify(token)


def test_revocation_is_immediate_even_when_an_instance_missed_the_broadcast(ctx, second):
    with second.app_context():
        token = signer.sign(claims())
        assert verify(token)
    for unsubscribe in second.extensions["idp.unsubscribe"]:
        unsubscribe()  # pub/sub is fire-and-forget: a reconnecting listener misses messages
    time.sleep(0.6)  # the listener notices within its 0.5 s poll
    assert not _hears_broadcasts(second)
    with second.app_context():
        assert verify(token)
    # Hold its cache inside its lifetime however long the revocation takes on a busy host.
    second.extensions["idp.signer_cache"].loaded_at = time.monotonic() + 60
    revocation.revoke(verify(token).header["kid"])
    with second.app_context():  # its cache still holds the key as active
        with pytest.raises(InvalidJWT, match="revoked"):
            verify(token)
        assert verify(signer.sign(claims())).header["kid"] != verify_kid(token)


def verify_kid(token):
    import base64
    import json

    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"]


def test_revoked_key_leaves_the_jwks_and_another_key_of_its_alg_signs(ctx):
    kid = keys_in("RS256", "active")[0].kid
    out = revocation.revoke(kid)
    assert kid not in {k["kid"] for k in signer.public_jwks()["keys"]}
    assert [k.kid for k in keys_in("RS256", "active")] == [out["activated"]]
    assert len(keys_in("RS256", "next")) == 1  # the next scheduled rotation has a key ready


def test_revoking_the_active_key_promotes_the_published_next_key(ctx):
    waiting = rotation.generate("RS256").kid
    out = revocation.revoke(keys_in("RS256", "active")[0].kid)
    assert out["activated"] == waiting


def test_revoking_a_retired_key_fails_tokens_it_signed(ctx):
    token = signer.sign(claims())
    old = verify(token).header["kid"]
    rotation.rotate(force=True)
    assert verify(token)
    out = revocation.revoke(old)
    assert out["was"] == "retired" and out["activated"] is None
    with pytest.raises(InvalidJWT):
        verify(token)


def test_revoke_refuses_unknown_and_already_revoked_keys_changing_nothing(ctx, revoked_events):
    before = [(k.kid, k.state) for k in all_keys()]
    with pytest.raises(KeystoreError, match="no key"):
        revocation.revoke("not-a-kid")
    assert [(k.kid, k.state) for k in all_keys()] == before
    kid = keys_in("RS256", "active")[0].kid
    revocation.revoke(kid)
    after = [(k.kid, k.state) for k in all_keys()]
    with pytest.raises(KeystoreError, match="already revoked"):
        revocation.revoke(kid)
    assert [(k.kid, k.state) for k in all_keys()] == after
    assert revoked_events == [kid]


def test_a_request_reads_the_revoked_mark_once_per_key_but_the_next_request_reads_it_again(
        app, ctx, second):
    # The signer remembers "not revoked" for the rest of one request only (access token
    # and ID token of one response): another instance's revocation stops the next request.
    with second.test_request_context("/oauth2/token"):
        token = signer.sign(claims())
        kid = verify_kid(token)
        assert verify_kid(signer.sign(claims())) == kid
    for unsubscribe in second.extensions["idp.unsubscribe"]:
        unsubscribe()  # it will not hear the broadcast: only the mark can stop it
    second.extensions["idp.signer_cache"].loaded_at = time.monotonic() + 60
    revocation.revoke(kid)
    with second.test_request_context("/oauth2/token"):
        assert verify_kid(signer.sign(claims())) != kid
