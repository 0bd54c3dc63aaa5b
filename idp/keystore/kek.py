"""Find the key-encryption key: env, file, or (development only) keys/dev-kek."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from ..errors import IdPError


class KeyEncryptionKeyError(IdPError):
    """The KEK is missing or malformed; start-up stops with this one line."""


def decode_kek(value: str) -> bytes:
    """Decode a base64 or base64url KEK; it must be exactly 32 bytes."""
    text = value.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError):
        raise KeyEncryptionKeyError("key-encryption key is not valid base64") from None
    if len(raw) != 32:
        raise KeyEncryptionKeyError(f"key-encryption key must be 32 bytes, got {len(raw)}")
    return raw


def generate_kek() -> str:
    """Return a new KEK as base64url text."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def load_previous_kek(settings) -> bytes | None:
    """Return the KEK being rotated away from (opening only), or None when none is set."""
    value = settings.previous_key_encryption_key
    path = settings.previous_key_encryption_key_file
    if not value and path:
        try:
            value = Path(path).read_text()
        except OSError as exc:
            raise KeyEncryptionKeyError(
                f"cannot read IDP_PREVIOUS_KEY_ENCRYPTION_KEY_FILE {path}: {exc.strerror}") from None
    if not value:
        return None
    try:
        return decode_kek(value)
    except KeyEncryptionKeyError as exc:
        raise KeyEncryptionKeyError(f"previous {exc}") from None


def load_kek(settings, announce=print) -> bytes:
    """Return the KEK the settings name; in development create keys/dev-kek if needed."""
    load_previous_kek(settings)  # a malformed previous KEK stops start-up too
    if settings.key_encryption_key:
        return decode_kek(settings.key_encryption_key)
    if settings.key_encryption_key_file:
        try:
            return decode_kek(Path(settings.key_encryption_key_file).read_text())
        except OSError as exc:
            raise KeyEncryptionKeyError(
                f"cannot read IDP_KEY_ENCRYPTION_KEY_FILE {settings.key_encryption_key_file}: "
                f"{exc.strerror}") from None
    if settings.production:
        raise KeyEncryptionKeyError("IDP_KEY_ENCRYPTION_KEY or IDP_KEY_ENCRYPTION_KEY_FILE is required")
    path = Path(settings.keys_path) / "dev-kek"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(generate_kek() + "\n")
        announce(f"development: created a key-encryption key at {path} (git-ignored)")
    return decode_kek(path.read_text())
