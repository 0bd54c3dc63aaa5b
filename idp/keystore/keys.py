"""Generate signing keys, read them from the database, open their envelopes."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..crypto import envelope
from ..errors import IdPError
from ..extensions import db
from ..storage.models import SigningKey
from ..storage.transaction import transaction
from .kek import load_previous_kek

# alg → how to make a key for it. RS256 is always available (OIDC Core §15.1).
GENERATORS = {
    "RS256": lambda: RSAKey.generate_key(2048, private=True),
    "PS256": lambda: RSAKey.generate_key(2048, private=True),
    "ES256": lambda: ECKey.generate_key("P-256", private=True),
    "EdDSA": lambda: OKPKey.generate_key("Ed25519", private=True),
}
SUPPORTED_ALGS = tuple(GENERATORS)
KTY = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}
PUBLISHED_STATES = ("next", "active", "retired")
STATES = ("next", "active", "retired", "revoked")
# JWK members that are private (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2): never published.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class KeystoreError(IdPError):
    """Bad keystore input (unknown alg, unknown kid); the message is safe to show."""


class _Registry(JWSRegistry):
    """A JWS registry that does not warn for "EdDSA".

    RFC 9864 deprecates the polymorphic "EdDSA" identifier in favour of "Ed25519",
    and joserfc warns (SecurityWarning) each time it is used. OIDC relying
    parties and discovery metadata still know only "EdDSA" (OIDC Core §3.1.3.7
    lists the algs RPs must accept; RFC 8037 §3.1 defines "EdDSA"), so we keep it
    deliberately. Only that one warning, only on our own sign/verify calls, is
    dropped — a process-wide warnings filter would also hide it elsewhere and is
    not thread-safe to toggle per call.
    """

    def get_alg(self, name: str):
        if name == "EdDSA" and name in (self.allowed or ()):
            return self.algorithms[name]
        return super().get_alg(name)


def jws_registry(algs) -> JWSRegistry:
    """The registry our signer and verifier use: exactly ``algs``, no "EdDSA" warning."""
    return _Registry(algorithms=list(algs))


def check_alg(alg: str | None) -> str:
    """Return ``alg`` (default: settings.default_signing_alg) or raise KeystoreError."""
    alg = alg or current_app.config["IDP"].default_signing_alg
    if alg not in GENERATORS:
        raise KeystoreError(f"unsupported alg {alg!r}; choose one of {', '.join(SUPPORTED_ALGS)}")
    return alg


def kek() -> bytes:
    """The key-encryption key that seals new envelopes."""
    return current_app.extensions["idp.kek"]


def previous_kek() -> bytes | None:
    """The KEK being rotated away from, accepted for opening only (settings.previous_*)."""
    extensions = current_app.extensions
    if "idp.kek_previous" not in extensions:
        extensions["idp.kek_previous"] = load_previous_kek(current_app.config["IDP"])
    return extensions["idp.kek_previous"]


def open_private(row: SigningKey) -> bytes:
    """Return the PEM of ``row``'s private key (signer and rewrap only)."""
    try:
        return envelope.open_(kek(), row.private_key_encrypted, row.kid)
    except envelope.EnvelopeError:
        previous = previous_kek()
        if previous is None:
            raise
        return envelope.open_(previous, row.private_key_encrypted, row.kid)


def new_key(alg: str, state: str = "next") -> SigningKey:
    """Generate a key for ``alg``, encrypt its private part, and add it (caller commits)."""
    if alg not in GENERATORS:
        raise KeystoreError(f"unsupported alg {alg!r}; choose one of {', '.join(SUPPORTED_ALGS)}")
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


def get_key(kid) -> SigningKey:
    """Return the key ``kid`` or raise KeystoreError."""
    row = db.session.get(SigningKey, kid) if isinstance(kid, str) and 0 < len(kid) <= 64 else None
    if row is None:
        raise KeystoreError(f"no key {str(kid)[:64]!r}")
    return row


def all_keys() -> list[SigningKey]:
    return list(db.session.scalars(select(SigningKey).order_by(SigningKey.created_at)))


def published_keys() -> list[SigningKey]:
    """Keys whose public parts the JWKS shows (next, active, retired)."""
    return list(db.session.scalars(
        select(SigningKey).where(SigningKey.state.in_(PUBLISHED_STATES)).order_by(SigningKey.created_at)))


def active_keys() -> list[SigningKey]:
    return list(db.session.scalars(select(SigningKey).where(SigningKey.state == "active")))


def keys_in(alg: str, state: str) -> list[SigningKey]:
    """Keys of ``alg`` in ``state``, oldest first."""
    return list(db.session.scalars(
        select(SigningKey).where(SigningKey.alg == alg, SigningKey.state == state)
        .order_by(SigningKey.created_at)))


def ensure_active_key(alg: str = "RS256") -> SigningKey | None:
    """Create and activate a first key for ``alg`` when none is active; return it if created."""
    if any(k.alg == alg for k in active_keys()):
        return None
    try:
        with transaction():
            return new_key(alg, state="active")
    except IntegrityError:
        return None  # another instance starting at the same moment made it (one active per alg)


def check_keys_open() -> None:
    """Decrypt every stored key once; raise EnvelopeError on a wrong key-encryption key."""
    for row in published_keys():
        open_private(row)


def describe(row: SigningKey, now: datetime | None = None) -> dict:
    """Public facts about a key (never its private part), for `idp keys list`."""
    now = now or clock.now()
    return {"kid": row.kid, "alg": row.alg, "state": row.state, "created_at": row.created_at,
            "activated_at": row.activated_at, "retired_at": row.retired_at,
            "revoked_at": row.revoked_at,
            "age_seconds": int((now - row.created_at).total_seconds())}
