"""Passkeys: WebAuthn (Level 3) registration and sign-in, with py_webauthn doing the checks.

The rules, each a test (tests/accounts/test_passkeys.py):

- **Relying party.** The RP ID is the issuer's host; the only accepted origin is the
  issuer's origin (WebAuthn §5.1.4.1 "RP ID", §7.1 step 9 / §7.2 step 13).
- **Discoverable credentials with user verification.** Registration asks for a
  resident key (``residentKey: required``, §5.4.6) and user verification; both
  ceremonies refuse a response without the UV flag (§7.1 step 15, §7.2 step 17), so a
  passkey is two factors: something you have (the key) and something you are or know
  (the authenticator's biometric or PIN).
- **Challenges.** 32 random bytes, stored in the store under a random ceremony id
  with the purpose, the SHA-256 of this browser's binding value and (for sign-in)
  the interaction. Taken once (GETDEL) whatever the outcome, compared in constant
  time, gone after ``CHALLENGE_TTL`` (5 minutes): a replayed, expired, or foreign
  (another browser, another interaction) ceremony is refused before any key is looked at.
- **Signature counter (§6.1.1).** The signature is verified first (so nobody without
  the key can lock a passkey), then the counter: when either the stored or the
  reported counter is non-zero, the new one must be greater. Otherwise the
  authenticator may be cloned: the credential is locked (refused from then on), the
  audit log gets ``passkey.locked``. The update is one conditional statement.
- **The last factor.** In an organisation that requires two-step verification, a
  person cannot remove their last working second factor (their last unlocked
  passkey when they have no TOTP); the check and the delete run under a row lock
  on the person, so two removals at once cannot both pass.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, func, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.parse_authentication_credential_json import (
    parse_authentication_credential_json,
)
from webauthn.helpers.parse_registration_credential_json import (
    parse_registration_credential_json,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from .. import audit, clock
from ..errors import IdPError
from ..extensions import db
from ..ops import metrics
from ..storage.models import Passkey, User
from ..storage.store import get_store
from ..storage.transaction import transaction
from . import totp

CHALLENGE_TTL = 300  # seconds: "expire within 5 minutes"
CEREMONY_TIMEOUT_MS = 180_000  # the browser's hint (§5.4 timeout), inside CHALLENGE_TTL
RP_NAME = "Tomps"
NAME_MAX = 64
MAX_PASSKEYS = 20  # per person
# OpenID EAP ACR Values 1.0: "phr", phishing-resistant authentication.
ACR_PHISHING_RESISTANT = "phr"


class PasskeyError(IdPError):
    """A passkey ceremony or change refused; ``reason`` is the stable code (audit, metrics)."""

    def __init__(self, reason: str, public: str = "", detail: str | None = None):
        super().__init__(public or reason, detail)
        self.reason = reason


@dataclass(frozen=True)
class SignIn:
    """A finished passkey sign-in: who, with which methods, for which interaction."""

    user: User
    passkey_id: int
    interaction: str
    amr: list[str] = field(default_factory=list)
    acr: str = ACR_PHISHING_RESISTANT


# --- the relying party -----------------------------------------------------------------------

def origin() -> str:
    """The one origin ceremonies may come from: the issuer's (scheme://host[:port])."""
    parts = urlsplit(current_app.config["IDP"].issuer)
    return f"{parts.scheme}://{parts.netloc}"


def rp_id() -> str:
    """The RP ID: the issuer's host (WebAuthn §5.1.4.1; a registrable suffix of the origin)."""
    return urlsplit(current_app.config["IDP"].issuer).hostname or "localhost"


def _new_user_handle(user_id: int) -> str:
    """A person's WebAuthn user handle (§5.4.3: opaque, no personal data), base64url.

    Derived from the app secret so every passkey of one person shares it (an
    authenticator then replaces, not duplicates, that person's passkey); the handle
    is also stored with each passkey, so a rotated secret changes nothing for them.
    """
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return bytes_to_base64url(hmac.new(key, f"webauthn-user:{user_id}".encode(),
                                       hashlib.sha256).digest())


def _user_handle(user_id: int) -> str:
    existing = db.session.scalar(select(Passkey.user_handle).where(Passkey.user_id == user_id)
                                 .limit(1))
    return existing or _new_user_handle(user_id)


# --- reading ---------------------------------------------------------------------------------

def list_for(user_id: int) -> list[Passkey]:
    return list(db.session.scalars(select(Passkey).where(Passkey.user_id == user_id)
                                   .order_by(Passkey.created_at, Passkey.id)))


def has_passkey(user_id: int) -> bool:
    """True when the person has a working (unlocked) passkey."""
    query = select(Passkey.id).where(Passkey.user_id == user_id, Passkey.locked_at.is_(None))
    return db.session.scalar(query.limit(1)) is not None


def find(user_id: int, ref: str) -> Passkey | None:
    """A passkey of this person by its id, its credential id, or its name."""
    ref = (ref or "").strip()
    rows = list_for(user_id)
    for match in (lambda p: str(p.id) == ref, lambda p: p.credential_id == ref,
                  lambda p: p.name == ref):
        found = [p for p in rows if match(p)]
        if len(found) > 1:
            raise PasskeyError("ambiguous", f"{len(found)} passkeys are named {ref!r}; "
                                            "give the credential id")
        if found:
            return found[0]
    return None


def describe(row: Passkey) -> dict:
    return {"id": row.id, "credential_id": row.credential_id, "name": row.name,
            "created_at": row.created_at, "last_used_at": row.last_used_at,
            "sign_count": row.sign_count, "transports": list(row.transports or []),
            "synced": bool(row.backup_eligible), "locked_at": row.locked_at}


def clean_name(name: str | None, fallback: str = "Passkey") -> str:
    """A passkey's name: printable, trimmed, at most NAME_MAX characters."""
    text = " ".join("".join(ch for ch in (name or "") if ch.isprintable()).split())
    return text[:NAME_MAX] or fallback


# --- ceremonies: the challenge ---------------------------------------------------------------

def _key(ceremony: str) -> str:
    return f"webauthn:{ceremony}"


def _begin(purpose: str, binding: str, challenge: bytes, **fields) -> str:
    ceremony = secrets.token_urlsafe(24)
    state = {"purpose": purpose, "browser": binding,
             "challenge": bytes_to_base64url(challenge), **fields}
    get_store().set(_key(ceremony), json.dumps(state), ttl=CHALLENGE_TTL)
    return ceremony


def _take(ceremony, purpose: str, binding: str | None, **expected) -> dict:
    """The ceremony's state, consumed (once, whatever happens next); refused unless it was
    begun for ``purpose`` in this browser (and, for sign-in, this interaction)."""
    if not isinstance(ceremony, str) or not 16 <= len(ceremony) <= 64:
        raise PasskeyError("expired")
    raw = get_store().getdel(_key(ceremony))
    state = json.loads(raw) if raw else None
    if not state or state.get("purpose") != purpose:
        raise PasskeyError("expired")  # unknown, used already, or older than CHALLENGE_TTL
    theirs = state.get("browser")
    if not (isinstance(binding, str) and isinstance(theirs, str)
            and hmac.compare_digest(binding, theirs)):
        raise PasskeyError("elsewhere")
    for name, value in expected.items():
        if not hmac.compare_digest(str(state.get(name, "")).encode(), str(value).encode()):
            raise PasskeyError("elsewhere")
    return state


# --- registration ----------------------------------------------------------------------------

def registration_options(user: User, binding: str) -> tuple[str, dict]:
    """Begin registering a passkey for ``user``: (ceremony id, PublicKeyCredentialCreationOptions
    as JSON for navigator.credentials.create)."""
    rows = list_for(user.id)
    if len(rows) >= MAX_PASSKEYS:
        raise PasskeyError("too_many")
    challenge = secrets.token_bytes(32)
    options = generate_registration_options(
        rp_id=rp_id(), rp_name=RP_NAME, user_name=user.email,
        user_id=base64url_to_bytes(_user_handle(user.id)),
        user_display_name=" ".join(filter(None, [user.given_name, user.family_name])) or user.email,
        challenge=challenge, timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
                             for p in rows])
    ceremony = _begin("register", binding, challenge, user_id=user.id)
    return ceremony, json.loads(options_to_json(options))


def register(user: User, ceremony: str, binding: str | None, response, name: str | None,
             ip: str | None = None) -> Passkey:
    """Finish a registration: verify the authenticator's response (§7.1), store the passkey."""
    try:
        state = _take(ceremony, "register", binding, user_id=user.id)
        try:
            credential = parse_registration_credential_json(response)
            verified = verify_registration_response(
                credential=credential, expected_challenge=base64url_to_bytes(state["challenge"]),
                expected_rp_id=rp_id(), expected_origin=origin(),
                require_user_verification=True)
        except (InvalidRegistrationResponse, ValueError, TypeError, KeyError) as exc:
            raise PasskeyError("invalid", detail=str(exc)[:200]) from None
        if len(list_for(user.id)) >= MAX_PASSKEYS:
            raise PasskeyError("too_many")
        credential_id = bytes_to_base64url(verified.credential_id)
        if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
            raise PasskeyError("duplicate")
        transports = [str(getattr(t, "value", t)) for t in (credential.response.transports or [])]
        with transaction() as session:
            row = Passkey(user_id=user.id, credential_id=credential_id,
                          public_key=verified.credential_public_key,
                          sign_count=verified.sign_count, user_handle=_user_handle(user.id),
                          transports=transports[:8],
                          backup_eligible=verified.credential_device_type
                          == CredentialDeviceType.MULTI_DEVICE,
                          name=clean_name(name, f"Passkey {len(list_for(user.id)) + 1}"))
            session.add(row)
    except PasskeyError as exc:
        audit.record("passkey.failed", user_id=user.id, ip=ip, outcome="failure",
                     reason=exc.reason, detail={"ceremony": "register", "why": exc.detail})
        metrics.count_passkey("register", exc.reason)
        raise
    audit.record("passkey.registered", user_id=user.id, ip=ip, outcome="success",
                 detail={"passkey_id": row.id, "name": row.name, "synced": row.backup_eligible})
    metrics.count_passkey("register", "success")
    return row


# --- sign-in ---------------------------------------------------------------------------------

def authentication_options(binding: str, interaction: str = "") -> tuple[str, dict]:
    """Begin a username-less sign-in: (ceremony id, PublicKeyCredentialRequestOptions as JSON).

    No allowCredentials: the authenticator offers its discoverable credentials (§5.4.6).
    """
    challenge = secrets.token_bytes(32)
    options = generate_authentication_options(
        rp_id=rp_id(), challenge=challenge, timeout=CEREMONY_TIMEOUT_MS,
        user_verification=UserVerificationRequirement.REQUIRED)
    ceremony = _begin("login", binding, challenge, interaction=interaction or "")
    return ceremony, json.loads(options_to_json(options))


def authenticate(ceremony: str, binding: str | None, interaction: str, response,
                 ip: str | None = None) -> SignIn:
    """Finish a sign-in (§7.2): the person whose passkey signed this ceremony's challenge."""
    user_id = None
    try:
        state = _take(ceremony, "login", binding, interaction=interaction or "")
        try:
            credential = parse_authentication_credential_json(response)
        except (ValueError, TypeError, KeyError) as exc:
            raise PasskeyError("invalid", detail=str(exc)[:200]) from None
        row = db.session.scalar(select(Passkey).where(
            Passkey.credential_id == bytes_to_base64url(credential.raw_id)))
        if row is None:
            raise PasskeyError("unknown")  # never registered, or removed
        user_id = row.user_id
        if row.locked_at is not None:
            raise PasskeyError("locked")
        # §7.2 step 6: the user handle the authenticator returns names the credential's owner.
        handle = credential.response.user_handle
        if not handle or not hmac.compare_digest(bytes_to_base64url(handle), row.user_handle):
            raise PasskeyError("invalid", detail="user handle does not match the credential")
        try:
            # The counter is checked below, after the signature (current count 0 here).
            verified = verify_authentication_response(
                credential=credential, expected_challenge=base64url_to_bytes(state["challenge"]),
                expected_rp_id=rp_id(), expected_origin=origin(),
                credential_public_key=row.public_key, credential_current_sign_count=0,
                require_user_verification=True)
        except (InvalidAuthenticationResponse, ValueError, TypeError, KeyError) as exc:
            raise PasskeyError("invalid", detail=str(exc)[:200]) from None
        _advance_counter(row, verified.new_sign_count, ip)
        user = db.session.get(User, row.user_id)
        if user is None or user.disabled:
            raise PasskeyError("disabled")
    except PasskeyError as exc:
        audit.record("passkey.failed", user_id=user_id, ip=ip, outcome="failure",
                     reason=exc.reason, detail={"ceremony": "login", "why": exc.detail})
        metrics.count_passkey("login", exc.reason)
        metrics.count_login_failure(f"passkey_{exc.reason}")
        raise
    audit.record("passkey.used", user_id=user.id, ip=ip, outcome="success",
                 detail={"passkey_id": row.id, "name": row.name})
    metrics.count_passkey("login", "success")
    # RFC 8176 §2: "hwk"/"swk" proof of possession of a hardware-/software-secured key (a
    # synced, backup-eligible passkey lives in a software keychain), "user" the user
    # presence/verification test, "mfa" because the key and the verification are two factors.
    amr = ["swk" if row.backup_eligible else "hwk", "user", "mfa"]
    return SignIn(user=user, passkey_id=row.id, interaction=state.get("interaction", ""), amr=amr)


def _advance_counter(row: Passkey, new: int, ip: str | None) -> None:
    """Store the new signature counter, or lock the passkey when it did not increase (§6.1.1)."""
    now = clock.now()
    with transaction() as session:
        moved = session.execute(
            update(Passkey)
            .where(Passkey.id == row.id, Passkey.locked_at.is_(None),
                   (Passkey.sign_count < new) | ((Passkey.sign_count == 0) & (new == 0)))
            .values(sign_count=new, last_used_at=now).returning(Passkey.id)).first()
    if moved is not None:
        return
    with transaction() as session:
        locked = session.execute(
            update(Passkey).where(Passkey.id == row.id, Passkey.locked_at.is_(None))
            .values(locked_at=now).returning(Passkey.sign_count)).first()
    if locked is None:
        raise PasskeyError("locked")  # gone or locked meanwhile
    audit.record("passkey.locked", user_id=row.user_id, ip=ip, outcome="locked",
                 reason="sign_count_regression",
                 detail={"passkey_id": row.id, "name": row.name, "stored_count": locked[0],
                         "reported_count": new})
    metrics.count_passkey("login", "locked_clone")
    raise PasskeyError("cloned")


# --- changes ---------------------------------------------------------------------------------

def rename(user_id: int, passkey_id: int, name: str) -> Passkey:
    new = clean_name(name, "")
    if not new:
        raise PasskeyError("name_missing")
    with transaction() as session:
        row = session.scalar(select(Passkey).where(Passkey.id == passkey_id,
                                                   Passkey.user_id == user_id))
        if row is None:
            raise PasskeyError("not_found")
        old, row.name = row.name, new
    audit.record("passkey.renamed", user_id=user_id, outcome="success",
                 detail={"passkey_id": passkey_id, "from": old, "to": new})
    return row


def remove(user_id: int, passkey_id: int, *, by: str = "self", enforce_policy: bool = True) -> dict:
    """Remove one of a person's passkeys; refused (``last_factor``) when it is their last
    working second factor and one of their organisations requires two-step verification."""
    with transaction() as session:
        # One removal at a time per person: the row lock makes check-then-delete atomic.
        session.execute(select(User.id).where(User.id == user_id).with_for_update())
        row = session.scalar(select(Passkey).where(Passkey.id == passkey_id,
                                                   Passkey.user_id == user_id))
        if row is None:
            raise PasskeyError("not_found")
        if enforce_policy and row.locked_at is None and not totp.has_totp(user_id) \
                and totp.required_for(user_id):
            others = session.scalar(select(func.count(Passkey.id)).where(
                Passkey.user_id == user_id, Passkey.locked_at.is_(None), Passkey.id != row.id))
            if not others:
                raise PasskeyError("last_factor")
        gone = describe(row)
        session.execute(delete(Passkey).where(Passkey.id == row.id))
    audit.record("passkey.removed", user_id=user_id, outcome="success", reason=by,
                 detail={"passkey_id": gone["id"], "name": gone["name"]})
    metrics.count_passkey("remove", "success")
    return gone
