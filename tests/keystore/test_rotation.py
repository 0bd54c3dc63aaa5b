"""The state machine: next → active → retired → removed."""

import pytest

from idp import clock
from idp.keystore import rotation, signer
from idp.keystore.jwks import InvalidJWT, verify
from idp.keystore.keys import KeystoreError, keys_in

from .conftest import claims, wait_out_max_age

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def _active(alg="RS256"):
    return [k.kid for k in keys_in(alg, "active")]


def test_rotate_without_a_next_key_publishes_one_and_refuses_saying_when(ctx):
    before = _active()
    with pytest.raises(rotation.RotationRefused, match=r"may sign from \d{4}-\d\d-\d\d \d\d:\d\d"):
        rotation.rotate()
    assert _active() == before
    assert len(keys_in("RS256", "next")) == 1


def test_rotate_refuses_a_key_published_for_less_than_the_jwks_max_age(ctx):
    row = rotation.generate("RS256")
    clock.advance(ctx.config["IDP"].jwks_max_age - 10)
    before = _active()
    with pytest.raises(rotation.RotationRefused, match=f"next RS256 key {row.kid}.*only"):
        rotation.rotate()
    assert _active() == before and keys_in("RS256", "next")[0].kid == row.kid


def test_rotate_activates_next_retires_active_and_publishes_a_new_next(ctx):
    old = _active()[0]
    row = rotation.generate("RS256")
    wait_out_max_age(ctx)
    outcome = rotation.rotate()
    assert outcome.action == "rotated" and outcome.activated == row.kid and outcome.retired == old
    assert _active() == [row.kid]
    assert [k.kid for k in keys_in("RS256", "retired")] == [old]
    assert [k.kid for k in keys_in("RS256", "next")] == outcome.generated


def test_force_activates_a_fresh_key_at_once(ctx):
    old = _active()[0]
    outcome = rotation.rotate(force=True)
    assert outcome.action == "rotated" and outcome.retired == old
    assert _active() == [outcome.activated] != [old]


def test_if_older_than_does_nothing_while_the_active_key_is_younger(ctx):
    rotation.generate("RS256")
    wait_out_max_age(ctx)
    before = _active()
    outcome = rotation.rotate(if_older_than=30 * 86400)
    assert outcome.action == "skipped" and _active() == before
    clock.advance(30 * 86400)
    assert rotation.rotate(if_older_than=30 * 86400).action == "rotated"
    assert _active() != before


def test_token_signed_before_rotation_verifies_after_it_until_its_key_is_purged(ctx):
    token = signer.sign(claims())
    rotation.generate("RS256")
    wait_out_max_age(ctx)
    rotation.rotate()
    assert verify(token).claims["sub"] == "u1"
    new_token = signer.sign(claims())
    assert verify(new_token).header["kid"] != verify(token).header["kid"]
    clock.advance(rotation.purge_horizon() - 60)
    assert rotation.purge() == [] and verify(token)
    clock.advance(120)
    assert len(rotation.purge()) == 1
    with pytest.raises(InvalidJWT):
        verify(token)
    assert verify(new_token)


def test_purge_keeps_retired_keys_for_the_longest_jwt_lifetime_plus_margin(ctx):
    settings = ctx.config["IDP"]
    longest = max(settings.id_token_lifetime, settings.access_token_lifetime)
    assert rotation.purge_horizon() == longest + rotation.PURGE_MARGIN_SECONDS


def test_retire_a_next_key_keeps_it_published_but_it_never_signs(ctx):
    row = rotation.generate("ES256")
    assert rotation.retire(row.kid).state == "retired"
    assert row.kid in {k["kid"] for k in signer.public_jwks()["keys"]}
    wait_out_max_age(ctx)
    with pytest.raises(rotation.RotationRefused):  # no next ES256 key any more
        rotation.rotate("ES256")


def test_retire_refuses_the_active_key_and_unknown_kids(ctx):
    active = _active()[0]
    with pytest.raises(KeystoreError, match="active"):
        rotation.retire(active)
    with pytest.raises(KeystoreError, match="no key"):
        rotation.retire("nope")
    assert _active() == [active]


@pytest.mark.parametrize("text,seconds", [("30d", 2592000), ("12h", 43200), ("90m", 5400),
                                          ("45s", 45), ("600", 600), ("2w", 1209600)])
def test_parse_duration(text, seconds):
    assert rotation.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "d", "30x", "-3d", "0d", "3.5d", "thirty days", "1e9d"])
def test_bad_durations_are_refused(text):
    with pytest.raises(KeystoreError, match="bad duration"):
        rotation.parse_duration(text)


def test_unknown_alg_is_refused(ctx):
    with pytest.raises(KeystoreError, match="unsupported alg"):
        rotation.generate("HS256")


def test_ensure_signing_alg_activates_a_first_key_once(ctx):
    created = rotation.ensure_signing_alg("ES256")
    assert created is not None and _active("ES256") == [created.kid]
    assert rotation.ensure_signing_alg("ES256") is None and _active("ES256") == [created.kid]
    assert signer.sign(claims(), alg="ES256")
    with pytest.raises(KeystoreError):
        rotation.ensure_signing_alg("HS256")
