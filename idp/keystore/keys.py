"""Generate signing keys and read them from the database."""

from __future__ import annotations

from flask import current_app
from joserfc.jwk import ECKey, OKPKey, RSAKey
from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..storage.models import SigningKey
from ..storage.transaction import transaction
from . import envelope

# alg → how to make a key for it. RS256 is always available (OIDC Core §15.1).
GENERATORS = {
    "RS256": lambda: RSAKey.generate_key(2048, private=True),
    "PS256": lambda: RSAKey.generate_key(2048, private=True),
    "ES256": lambda: ECKey.generate_key("P-256", private=True),
    "EdDSA": lambda: OKPKey.generate_key("Ed25519", private=True),
}
SUPPORTED_ALGS = tuple(GENERATORS)
PUBLISHED_STATES = ("next", "active", "retired")


class KeyError_(ValueError):
    """Bad keystore input (unknown alg, unknown kid); the message is safe to show."""


def kek() -> bytes:
    return current_app.extensions["idp.kek"]


def new_key(alg: str, state: str = "next") -> SigningKey:
    """Generate a key for ``alg``, encrypt its private part, and add it (caller commits)."""
    if alg not in GENERATORS:
        raise KeyError_(f"unsupported alg {alg!r}; choose one of {', '.join(SUPPORTED_ALGS)}")
    key = GENERATORS[alg]()
    kid = key.thumbprint()  # RFC 7638
    public = dict(key.as_dict(private=False), kid=kid, use="sig", alg=alg)
    pem = key.as_pem(private=True)
    row = SigningKey(kid=kid, alg=alg, state=state, public_jwk=public,
                     private_key_encrypted=envelope.seal(kek(), pem, kid), created_at=clock.now())
    if state == "active":
        row.activated_at = row.created_at
    db.session.add(row)
    return row


def published_keys() -> list[SigningKey]:
    """Keys whose public parts the JWKS shows (next, active, retired)."""
    return list(db.session.scalars(
        select(SigningKey).where(SigningKey.state.in_(PUBLISHED_STATES)).order_by(SigningKey.created_at)))


def active_keys() -> list[SigningKey]:
    return list(db.session.scalars(select(SigningKey).where(SigningKey.state == "active")))


def ensure_active_key(alg: str = "RS256") -> SigningKey | None:
    """Create and activate a first key for ``alg`` when none is active; return it if created."""
    if any(k.alg == alg for k in active_keys()):
        return None
    with transaction():
        return new_key(alg, state="active")


def check_keys_open() -> None:
    """Decrypt every stored key once; raise EnvelopeError on a wrong key-encryption key."""
    for row in published_keys():
        envelope.open_(kek(), row.private_key_encrypted, row.kid)
