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


def prepared(app) -> tuple[bytes, str, str] | None:
    """The bytes while they are those of the signer's current, fresh key set; else None
    (web/loop_routes.py then lets Flask reload the keys and build the document)."""
    cache = app.extensions["idp.signer_cache"]
    held = app.extensions.get("idp.jwks_document")
    if held is None or cache.stale() or held[0] is not cache.public:
        return None
    return held[1].body, held[1].etag, f"public, max-age={app.config['IDP'].jwks_max_age}"
