"""Private keys rest encrypted under the KEK; a wrong KEK stops; rewrap moves them."""

import base64

import pytest
from cryptography.hazmat.primitives.serialization import load_der_private_key, load_pem_private_key
from sqlalchemy import text

from idp.crypto.envelope import EnvelopeError
from idp.extensions import db
from idp.keystore import rotation, signer
from idp.keystore.jwks import verify
from idp.keystore.kek import generate_kek
from idp.keystore.keys import check_keys_open, keys_in
from idp.keystore.rewrap import rewrap

from .conftest import claims


def _stored() -> list[str]:
    return list(db.session.execute(text("SELECT private_key_encrypted FROM signing_keys")).scalars())


def _parses_as_a_key(blob: bytes) -> bool:
    for load in (load_pem_private_key, load_der_private_key):
        try:
            load(blob, password=None)
            return True
        except (ValueError, TypeError):
            pass
    return False


def test_the_database_holds_no_unencrypted_private_key(ctx):
    for alg in ("PS256", "ES256", "EdDSA"):
        rotation.generate(alg)
    columns = _stored()
    assert len(columns) == 4
    for value in columns:
        assert "PRIVATE KEY" not in value and value.startswith("v1.")
        raw = base64.urlsafe_b64decode(value[3:])
        assert b"PRIVATE KEY" not in raw
        assert not any(_parses_as_a_key(raw[i:]) for i in (0, 12))
    dump = db.session.execute(text("SELECT public_jwk::text FROM signing_keys")).scalars()
    for jwk in dump:
        assert '"d"' not in jwk and '"p"' not in jwk


def test_an_envelope_moved_onto_another_row_does_not_open(ctx):
    other = rotation.generate("ES256")
    active = keys_in("RS256", "active")[0]
    db.session.execute(text("UPDATE signing_keys SET private_key_encrypted = :v WHERE kid = :k"),
                       {"v": active.private_key_encrypted, "k": other.kid})
    db.session.commit()
    with pytest.raises(EnvelopeError, match=other.kid):
        check_keys_open()


def test_a_wrong_kek_gives_a_clear_message(ctx, instance):
    wrong = instance(key_encryption_key=generate_kek())
    with wrong.app_context(), pytest.raises(EnvelopeError, match="wrong key-encryption key"):
        check_keys_open()


def test_rewrap_then_the_old_kek_fails_and_the_new_one_works(ctx, instance):
    token = signer.sign(claims())
    new = generate_kek()
    from idp.keystore.kek import decode_kek

    assert len(rewrap(decode_kek(new))) == 1
    with pytest.raises(EnvelopeError):
        check_keys_open()  # this app still holds the old KEK
    swapped = instance(key_encryption_key=new)
    with swapped.app_context():
        check_keys_open()
        assert verify(signer.sign(claims())).header["kid"] == verify(token).header["kid"]


def test_during_a_kek_rotation_the_previous_kek_still_opens_keys(ctx, instance, settings_env):
    old = settings_env["IDP_KEY_ENCRYPTION_KEY"]
    new = generate_kek()
    rolling = instance(key_encryption_key=new, previous_key_encryption_key=old)
    with rolling.app_context():
        check_keys_open()  # old envelopes open with the previous KEK
        signer.sign(claims())
        rewrap()  # everything under the new KEK now
    alone = instance(key_encryption_key=new)
    with alone.app_context():
        check_keys_open()
    with pytest.raises(EnvelopeError):
        check_keys_open()


def test_rewrap_with_a_wrong_kek_changes_nothing(ctx, instance):
    before = _stored()
    wrong = instance(key_encryption_key=generate_kek())
    with wrong.app_context(), pytest.raises(EnvelopeError):
        rewrap(b"\0" * 32)
    db.session.expire_all()
    assert _stored() == before
