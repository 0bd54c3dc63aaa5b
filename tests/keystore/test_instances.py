"""Every instance agrees on the keys within seconds, without a restart."""

import time

from idp.keystore import rotation, signer
from idp.keystore.jwks import verify
from tests.helpers.waiting import eventually

from .conftest import claims

DEADLINE = 5.0


def _kid_signed_by(app) -> str:
    with app.app_context():
        return verify(signer.sign(claims())).header["kid"]


def _within_deadline(check) -> float:
    """Seconds until ``check`` held; fail after DEADLINE."""
    start = time.monotonic()
    eventually(check, DEADLINE, 0.05, "the second instance did not see the change within 5 s")
    return time.monotonic() - start


def test_second_instance_signs_with_the_new_key_after_a_rotation(ctx, second):
    before = _kid_signed_by(second)
    outcome = rotation.rotate(force=True)
    assert outcome.retired == before
    _within_deadline(lambda: _kid_signed_by(second) == outcome.activated)


def test_second_instance_publishes_a_generated_key(ctx, second):
    with second.app_context():
        signer.public_jwks()  # cached now
    row = rotation.generate("ES256")

    def published():
        with second.app_context():
            return row.kid in {k["kid"] for k in signer.public_jwks()["keys"]}

    _within_deadline(published)


def test_pubsub_invalidation_beats_the_cache_lifetime(ctx, second):
    with second.app_context():
        signer.public_jwks()
    row = rotation.generate("EdDSA")

    def published():
        with second.app_context():
            return row.kid in {k["kid"] for k in signer.public_jwks()["keys"]}

    assert _within_deadline(published) < signer.CACHE_SECONDS
