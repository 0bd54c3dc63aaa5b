"""Re-encrypt every stored private key under a new key-encryption key.

Used to rotate the KEK. Every envelope is opened first (with the current KEK,
or the previous one during a rotation); only when all open does anything get
written, in one transaction, each row by a conditional UPDATE on the envelope
it was read with — so a failure or a concurrent change leaves the old
envelopes in place. Plaintext key bytes never leave this function.
"""

from __future__ import annotations

from sqlalchemy import update

from ..crypto import envelope
from ..extensions import db
from ..storage.models import SigningKey
from ..storage.transaction import transaction
from .keys import KeystoreError, all_keys, kek, open_private
from .signer import invalidate


def rewrap(new_kek: bytes | None = None) -> list[str]:
    """Seal every key under ``new_kek`` (default: the current KEK); return the kids."""
    target = new_kek or kek()
    rows = all_keys()
    opened = [(row.kid, row.private_key_encrypted, open_private(row)) for row in rows]
    with transaction():
        for kid, old, pem in opened:
            result = db.session.execute(
                update(SigningKey)
                .where(SigningKey.kid == kid, SigningKey.private_key_encrypted == old)
                .values(private_key_encrypted=envelope.seal(target, pem, kid))
                .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                raise KeystoreError(f"key {kid} changed during rewrap; nothing was changed, run again")
    invalidate()
    return [kid for kid, _, _ in opened]
