"""A federated sign-in: from the email typed on our login page to a person signed in.

1. ``begin`` (home-realm discovery found an active connection for the email's domain):
   a fresh ``state``, ``nonce`` and PKCE verifier (RFC 7636, S256 only), kept
   server-side under the SHA-256 of ``state`` with the SHA-256 of this browser's binding
   value; the browser goes to the upstream's authorization endpoint with ``login_hint``.
2. ``complete`` (the upstream sent the browser back): ``state`` is consumed once
   (GETDEL: a replay finds nothing) and must belong to this browser; ``error`` becomes
   a page (``access_denied``: the person cancelled); the code is redeemed with our secret
   and verifier; the ID token is validated fully (OIDC Core §3.1.3.7, rp/tokens.py:
   signature against the upstream's JWKS, allow-listed alg, ``iss``, ``aud``, ``azp``,
   ``exp``, ``iat``, ``nonce``); its ``email`` must be in a verified domain of that
   organisation and ``email_verified`` true where sent.
3. ``person`` — one transaction under the organisation lock (orgs.organizations.lock):
   the upstream identity (issuer, sub) already linked → that person (the email may have
   changed upstream); else a person with that email who is a member of this organisation
   → linked; a person of another organisation only → refused; nobody → created just in
   time and made a member, within the plan's seats. Any refusal rolls everything back.

amr: ``["fed"]`` plus the RFC 8176 values the upstream reported (docs/federation.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select

from .. import audit, clock
from ..accounts.users import normalise_email, record_login, validate_email
from ..errors import IdPError
from ..extensions import db
from ..ops import metrics
from ..orgs.organizations import check_seats, lock
from ..rp.errors import TokenRejected
from ..rp.tokens import validate_id_token
from ..storage.models import FederatedIdentity, Membership, Organization, OrgFederation, User
from ..storage.store import get_store
from ..storage.transaction import transaction
from . import config, upstream
from .errors import FederationFailure

SCOPE = "openid email profile"
MAX_STATE_LIFETIME = 600
# RFC 8176 §2 registered values we pass on from the upstream, next to our own "fed".
RFC8176 = frozenset({"face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin",
                     "pop", "pwd", "rba", "retina", "sc", "sms", "swk", "tel", "user", "vbm",
                     "wia"})
FED = "fed"


@dataclass(frozen=True)
class SignedIn:
    user: User
    amr: list[str]
    organization_id: int
    issuer: str
    upstream_sid: str | None
    interaction: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _key(state: str) -> str:
    return f"fed:state:{_digest(state)}"


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def begin(fed: OrgFederation, email: str, interaction: str, browser: str) -> str:
    """Park a new upstream sign-in for this browser; return the URL to send it to."""
    try:
        endpoint = upstream.metadata(fed.issuer)["authorization_endpoint"]
    except FederationFailure as failure:
        _failed(failure, {"organization_id": fed.organization_id, "issuer": fed.issuer,
                          "email": email}, None)
        raise
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)  # RFC 7636 §4.1: 43-128 characters
    parked = {"organization_id": fed.organization_id, "issuer": fed.issuer,
              "client_id": fed.client_id, "nonce": nonce, "verifier": verifier,
              "interaction": interaction or "", "browser": _digest(browser), "email": email}
    ttl = min(current_app.config["IDP"].interaction_lifetime, MAX_STATE_LIFETIME)
    get_store().set(_key(state), json.dumps(parked), ttl=ttl)
    params = {"response_type": "code", "client_id": fed.client_id, "scope": SCOPE,
              "redirect_uri": config.redirect_uri(), "state": state, "nonce": nonce,
              "code_challenge": _s256(verifier), "code_challenge_method": "S256",
              "login_hint": email}
    audit.record("federation.started", email=email, outcome="redirect",
                 detail={"organization_id": fed.organization_id, "issuer": fed.issuer})
    metrics.count_federation("started")
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


def complete(state: str | None, code: str | None, error: str | None, browser: str | None,
             ip: str | None = None) -> SignedIn:
    """Finish the sign-in the upstream sent back; raise FederationFailure saying why not."""
    parked = None
    try:
        parked = _take(state, browser)
        result = _finish(parked, code, error)
    except FederationFailure as failure:
        _failed(failure, parked, ip)
        raise
    audit.record("federation.succeeded", user_id=result.user.id, email=result.user.email, ip=ip,
                 outcome="success", detail={"organization_id": result.organization_id,
                                            "issuer": result.issuer, "amr": result.amr})
    audit.record("login.succeeded", user_id=result.user.id, email=result.user.email, ip=ip,
                 outcome="success", detail={"amr": result.amr, "method": "federated",
                                            "organization_id": result.organization_id})
    metrics.count_federation("succeeded")
    return result


def _failed(failure: FederationFailure, parked: dict | None, ip: str | None) -> None:
    detail = {"kind": failure.kind}
    if parked:
        detail.update(organization_id=parked["organization_id"], issuer=parked["issuer"])
    audit.record("federation.failed", email=(parked or {}).get("email"), ip=ip, outcome="failure",
                 reason=(failure.detail or failure.kind)[:200], detail=detail)
    metrics.count_federation(failure.kind)


def _take(state, browser) -> dict:
    """Consume the parked sign-in once; it must have been started in this browser."""
    if not isinstance(state, str) or not 16 <= len(state) <= 128:
        raise FederationFailure("state", "no or malformed state")
    raw = get_store().getdel(_key(state))  # single use: a replay finds nothing
    if raw is None:
        raise FederationFailure("state", "unknown, expired or replayed state")
    parked = json.loads(raw)
    if not isinstance(browser, str) or not hmac.compare_digest(parked["browser"], _digest(browser)):
        raise FederationFailure("state", "state started in another browser", status=403)
    return parked


def _finish(parked: dict, code, error) -> SignedIn:
    if error:
        # RFC 6749 §4.1.2.1: access_denied is the person (or the upstream's policy) saying no.
        kind = "cancelled" if error == "access_denied" else "upstream_error"
        raise FederationFailure(kind, f"upstream error={str(error)[:60]}")
    if not isinstance(code, str) or not code or len(code) > 2048:
        raise FederationFailure("upstream_error", "no code in the callback")
    fed = db.session.scalar(select(OrgFederation).where(
        OrgFederation.organization_id == parked["organization_id"]))
    if fed is None or fed.status != "active" or fed.issuer != parked["issuer"] \
            or fed.client_id != parked["client_id"]:
        raise FederationFailure("not_configured", "the connection changed during the sign-in")
    answer = upstream.exchange_code(fed.issuer, fed.client_id, config.client_secret(fed), code,
                                    config.redirect_uri(), parked["verifier"])
    claims = _validated(fed, answer, parked["nonce"])
    email = _email(fed, claims)
    user = person(fed.organization_id, fed.issuer, claims, email)
    amr = [FED] + [v for v in claims.get("amr") or [] if isinstance(v, str) and v in RFC8176]
    sid = claims.get("sid") if isinstance(claims.get("sid"), str) else None
    return SignedIn(user, list(dict.fromkeys(amr)), fed.organization_id, fed.issuer, sid,
                    parked["interaction"])


def _validated(fed: OrgFederation, answer: dict, nonce: str) -> dict:
    try:
        access = answer.get("access_token") if isinstance(answer.get("access_token"), str) else None
        return validate_id_token(answer["id_token"], jwks=upstream.jwks(fed.issuer),
                                 issuer=fed.issuer, client_id=fed.client_id, nonce=nonce,
                                 access_token=access, algorithms=upstream.ALGORITHMS)
    except TokenRejected as exc:
        raise FederationFailure("invalid_token", f"{type(exc).__name__}: {exc}"[:200],
                                status=502) from None


def _email(fed: OrgFederation, claims: dict) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise FederationFailure("email_domain", "the ID token carries no email")
    domain = config.email_domain(email)
    verified = {d.domain for d in config.domains_of(fed.organization_id) if d.verified}
    if domain not in verified:
        raise FederationFailure("email_domain", f"email domain {str(domain)[:80]} not verified here")
    # OIDC Core §5.1: email_verified is a boolean; anything but true (where sent) refuses.
    if "email_verified" in claims and claims["email_verified"] is not True:
        raise FederationFailure("email_unverified", "email_verified is not true")
    try:
        return validate_email(email)
    except IdPError:
        raise FederationFailure("email_domain", "the email is not a valid address") from None


def person(org_id: int, issuer: str, claims: dict, email: str) -> User:
    """Match, link or create the person, and make them a member; one transaction."""
    subject = claims["sub"][:255]
    with transaction() as session:
        lock(session, org_id)  # seats, and two first sign-ins of one person, serialise here
        org = session.get(Organization, org_id)
        identity = session.scalar(select(FederatedIdentity).where(
            FederatedIdentity.issuer == issuer, FederatedIdentity.subject == subject))
        if identity is not None:
            if identity.organization_id != org_id:
                raise FederationFailure("elsewhere", "identity linked to another organisation", 403)
            user = session.get(User, identity.user_id)
        else:
            user = session.scalar(select(User).where(User.email_key == normalise_email(email)))
            if user is not None and not _is_member(session, org_id, user.id):
                raise FederationFailure("elsewhere", "email of a person of another organisation", 403)
            if user is None:
                user = _new_person(session, org, email, claims)
            identity = FederatedIdentity(issuer=issuer, subject=subject, user_id=user.id,
                                         organization_id=org_id)
            session.add(identity)
        if user.disabled:
            raise FederationFailure("disabled", "the person is disabled here", status=403)
        if not _is_member(session, org_id, user.id):
            _join(session, org, user)
        identity.email, identity.last_login_at = email, clock.now()
    record_login(user)
    return user


def _is_member(session, org_id: int, user_id: int) -> bool:
    return session.scalar(select(Membership.id).where(
        Membership.organization_id == org_id, Membership.user_id == user_id)) is not None


def _join(session, org: Organization, user: User) -> None:
    try:
        check_seats(session, org)
    except IdPError:
        raise FederationFailure("no_seat", f"{org.name} has no free seat", status=403) from None
    session.add(Membership(organization_id=org.id, user_id=user.id, role="member"))
    session.flush()


def _new_person(session, org: Organization, email: str, claims: dict) -> User:
    def text(name, size=120):
        value = claims.get(name)
        return value[:size] if isinstance(value, str) and value else None

    user = User(email=email, email_key=normalise_email(email), given_name=text("given_name"),
                family_name=text("family_name"), email_verified=claims.get("email_verified") is True,
                password_hash=None)
    session.add(user)
    session.flush()
    audit.stage("federation.user_created", user_id=user.id, outcome="success",
                detail={"organization_id": org.id})
    return user


def remember_session(issuer: str, upstream_sid: str | None, our_sid: str) -> None:
    """Map the upstream's sid to ours, so its back-channel logout by sid finds our session."""
    if not upstream_sid:
        return
    ttl = current_app.config["IDP"].session_absolute_timeout
    get_store().sadd(_sid_key(issuer, upstream_sid), our_sid)
    get_store().expire(_sid_key(issuer, upstream_sid), ttl)


def _sid_key(issuer: str, upstream_sid: str) -> str:
    return f"fed:sid:{_digest(issuer)}:{_digest(upstream_sid)}"
