"""The JWKS document (/.well-known/jwks.json), serialised once per key generation.

The signer rebuilds its public key set whenever it reloads keys (every few
seconds, and at once after a rotation or a revocation anywhere: see
keystore/signer.py). The served bytes are kept with the key set they were made
from and rebuilt when that object changes, so a revoked key leaves the
document exactly when it leaves the verification set.
"""

from __future__ import annotations

from flask import current_app

from ...keystore.jwks import jwks_document
from ...keystore.signer import public_keyset
from ..render import Document


def document() -> Document:
    """The current JWKS document (public members only)."""
    keyset = public_keyset()  # before the document: the bytes are never older than their key
    held = current_app.extensions.get("idp.jwks_document")
    if held is not None and held[0] is keyset:
        return held[1]
    doc = Document.of(jwks_document())
    current_app.extensions["idp.jwks_document"] = (keyset, doc)
    return doc
