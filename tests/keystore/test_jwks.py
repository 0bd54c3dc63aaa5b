"""The JWKS: next, active and retired keys, public members only; every alg signs."""

import logging

import pytest

from idp.keystore import revocation, rotation, signer
from idp.keystore.jwks import InvalidJWT, jwks_cache_control, jwks_document, verify
from idp.keystore.keys import PRIVATE_MEMBERS, SUPPORTED_ALGS, keys_in

from .conftest import claims

ALGS = ["RS256", "PS256", "ES256", "EdDSA"]


def test_jwks_lists_next_active_and_retired_but_not_revoked_keys(ctx):
    first = keys_in("RS256", "active")[0].kid
    rotation.rotate(force=True)  # first → retired, a new active, a new next
    doomed = rotation.generate("ES256").kid
    revocation.revoke(doomed)
    states = {k.kid: k.state for k in keys_in("RS256", "retired") + keys_in("RS256", "active")
              + keys_in("RS256", "next")}
    published = {k["kid"] for k in jwks_document()["keys"]}
    assert published == set(states) and first in published and doomed not in published
    assert sorted(states.values()) == ["active", "next", "retired"]


@pytest.mark.parametrize("alg", ALGS)
def test_each_alg_publishes_public_members_only_with_kid_use_and_alg(ctx, alg):
    row = rotation.generate(alg)
    jwk = next(k for k in jwks_document()["keys"] if k["kid"] == row.kid)
    assert jwk["use"] == "sig" and jwk["alg"] == alg and jwk["kty"] in ("RSA", "EC", "OKP")
    assert not PRIVATE_MEMBERS & set(jwk)


def test_the_old_name_public_jwks_serves_the_same_document(ctx):
    assert signer.public_jwks() == jwks_document()


def test_cache_control_max_age_is_the_time_a_key_waits_before_signing(ctx):
    max_age = ctx.config["IDP"].jwks_max_age
    assert jwks_cache_control() == f"public, max-age={max_age}"
    row = rotation.generate("RS256")
    waited = (rotation.signs_from(row) - row.created_at).total_seconds()
    assert waited >= max_age


@pytest.mark.parametrize("alg", ALGS)
def test_each_alg_signs_with_its_active_key_and_verifies(ctx, alg, recwarn):
    if alg != "RS256":
        rotation.rotate(alg, force=True)
    token = signer.sign(claims(), alg=alg)
    decoded = verify(token)
    assert decoded.header["alg"] == alg
    assert decoded.header["kid"] == keys_in(alg, "active")[0].kid
    assert not [w for w in recwarn if "EdDSA" in str(w.message)]  # warnings are errors anyway


def test_sign_for_an_alg_without_an_active_key_fails_clearly(ctx):
    with pytest.raises(signer.NoSigningKey, match="no active ES256"):
        signer.sign(claims(), alg="ES256")
    assert keys_in("ES256", "active") == []  # never created lazily


def test_verify_rejects_foreign_and_malformed_tokens(ctx):
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    stranger = RSAKey.generate_key(2048, private=True)
    forged = jwt.encode({"alg": "RS256", "kid": keys_in("RS256", "active")[0].kid}, claims(),
                        stranger)
    for token in (forged, "a.b.c", "", "x" * 20000, None, "a.b"):
        with pytest.raises(InvalidJWT):
            verify(token)


def test_verify_rejects_a_token_with_no_kid(ctx):
    from joserfc import jwt
    from joserfc.jwk import import_key

    from idp.keystore.keys import open_private

    row = keys_in("RS256", "active")[0]
    token = jwt.encode({"alg": "RS256"}, claims(), import_key(open_private(row), "RSA"))
    with pytest.raises(InvalidJWT):
        verify(token)


def test_no_private_member_is_logged_while_keys_change(ctx, caplog):
    caplog.set_level(logging.DEBUG)
    for alg in SUPPORTED_ALGS:
        rotation.rotate(alg, force=True)
        verify(signer.sign(claims(), alg=alg))
    revocation.revoke(keys_in("ES256", "active")[0].kid)
    rotation.purge()
    text = caplog.text
    assert "PRIVATE KEY" not in text
    for row in keys_in("RS256", "active"):
        from idp.keystore.keys import open_private

        pem = open_private(row).decode()
        body = "".join(pem.strip().splitlines()[1:-1])
        assert body[:40] not in text
