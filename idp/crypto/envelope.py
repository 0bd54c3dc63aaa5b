"""Encryption at rest of private keys: AES-256-GCM under the key-encryption key.

Stored form: ``v1.<base64url(nonce ‖ ciphertext ‖ tag)>``; the kid is bound as
associated data, so a ciphertext moved onto another key's row fails to open.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import IdPError

PREFIX = "v1."


class EnvelopeError(IdPError):
    """A stored key cannot be opened: wrong key-encryption key or tampered data."""


def seal(kek: bytes, plaintext: bytes, kid: str) -> str:
    nonce = os.urandom(12)
    blob = nonce + AESGCM(kek).encrypt(nonce, plaintext, kid.encode())
    return PREFIX + base64.urlsafe_b64encode(blob).decode()


def open_(kek: bytes, sealed: str, kid: str) -> bytes:
    if not sealed.startswith(PREFIX):
        raise EnvelopeError(f"key {kid}: unknown envelope format")
    blob = base64.urlsafe_b64decode(sealed[len(PREFIX):])
    try:
        return AESGCM(kek).decrypt(blob[:12], blob[12:], kid.encode())
    except InvalidTag:
        raise EnvelopeError(
            f"key {kid}: cannot decrypt — wrong key-encryption key, or the row was altered"
        ) from None


def reseal(old_kek: bytes, new_kek: bytes, sealed: str, kid: str) -> str:
    """``sealed`` opened with the old key-encryption key and sealed again with the new one
    (``idp keys rewrap``: the signing keys, TOTP secrets, upstream client secrets)."""
    return seal(new_kek, open_(old_kek, sealed, kid), kid)
