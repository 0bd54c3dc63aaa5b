"""An organisation's connection to its own OpenID Connect provider.

One connection per organisation: the upstream's issuer, the client id we were given
there, its client secret (sealed with AES-GCM under the key-encryption key, bound to the
organisation, like signing keys and TOTP secrets: crypto/envelope.py), one or more email
domains and ``enforce`` (people of those domains may not use a password here).

Domains are unique across organisations: ``federation_domains.domain`` is the primary
key, so two organisations claiming one domain — even at the same instant — cannot both
succeed; the loser gets a clear error. Only the operator verifies a domain: ``set`` (the
CLI) stores verified domains and an active connection; an owner's ``request`` from the
web stores unverified domains and a ``requested`` connection that login ignores until
the operator approves it.
"""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..clients.uris import InvalidURI, validate_uri
from ..crypto import envelope
from ..extensions import db
from ..orgs.organizations import get_organization
from ..storage.models import FederationDomain, Organization, OrgFederation
from ..storage.transaction import transaction
from .errors import FederationError

CALLBACK_PATH = "/login/federated/callback"
BACKCHANNEL_PATH = "/login/federated/backchannel-logout"
# RFC 1035 §2.3.1 labels (after IDNA), at least two of them.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})+$")
MAX_DOMAINS = 20


def redirect_uri() -> str:
    """The redirect URI to register at the upstream."""
    return current_app.config["IDP"].issuer + CALLBACK_PATH


def backchannel_uri() -> str:
    """The back-channel logout URI to register at the upstream, where it supports one."""
    return current_app.config["IDP"].issuer + BACKCHANNEL_PATH


def normalise_domain(value: str) -> str:
    """``Example.COM.`` → ``example.com``; IDNA for non-ASCII names; FederationError if bad."""
    text = str(value or "").strip().lower().rstrip(".")
    try:
        text = text.encode("idna").decode("ascii") if text else text
    except UnicodeError:
        raise FederationError(f"not a domain name: {str(value)[:80]!r}") from None
    if not _DOMAIN.match(text) or len(text) > 253:
        raise FederationError(f"not a domain name: {str(value)[:80]!r}")
    return text


def email_domain(email: str) -> str | None:
    """The domain of an email address (normalised), or None when it has none."""
    _, at, domain = str(email or "").rpartition("@")
    try:
        return normalise_domain(domain) if at else None
    except FederationError:
        return None


def _checked(issuer: str, client_id: str, secret: str, domains) -> tuple[str, str, str, list[str]]:
    try:
        validate_uri(issuer, "issuer")
    except InvalidURI as exc:
        raise FederationError(str(exc)) from None
    if "?" in issuer:
        raise FederationError("issuer must not contain a query (OIDC Discovery §4)")
    client_id = str(client_id or "").strip()
    if not client_id or len(client_id) > 255:
        raise FederationError("client id must be 1 to 255 characters")
    secret = str(secret or "").strip()
    if not secret or len(secret) > 2000:
        raise FederationError("client secret must be 1 to 2000 characters")
    names = sorted({normalise_domain(d) for d in domains or ()})
    if not names:
        raise FederationError("give at least one email domain")
    if len(names) > MAX_DOMAINS:
        raise FederationError(f"at most {MAX_DOMAINS} domains")
    return issuer, client_id, secret, names


def _aad(org_id: int) -> str:
    return f"federation:{org_id}"


def _kek() -> bytes:
    return current_app.extensions["idp.kek"]


def find(org_ref) -> OrgFederation | None:
    """The organisation's connection (active or requested), or None."""
    org = get_organization(org_ref)
    return db.session.scalar(select(OrgFederation).where(OrgFederation.organization_id == org.id))


def domains_of(org_id: int) -> list[FederationDomain]:
    return list(db.session.scalars(select(FederationDomain).where(
        FederationDomain.organization_id == org_id).order_by(FederationDomain.domain)))


def _claimed_elsewhere(session, org_id: int, names: list[str]) -> None:
    taken = session.scalars(select(FederationDomain.domain).where(
        FederationDomain.domain.in_(names), FederationDomain.organization_id != org_id)).all()
    if taken:
        raise FederationError(f"domain {sorted(taken)[0]} is already claimed by another organisation")


def _store(org: Organization, issuer, client_id, secret, names, enforce, status, verified,
           requested_by=None) -> OrgFederation:
    """Write the connection and its domains in one transaction (replacing what was there)."""
    try:
        with transaction() as session:
            _claimed_elsewhere(session, org.id, names)
            fed = session.scalar(select(OrgFederation).where(OrgFederation.organization_id == org.id))
            if fed is None:
                fed = OrgFederation(organization_id=org.id)
                session.add(fed)
            fed.issuer, fed.client_id, fed.enforce, fed.status = issuer, client_id, enforce, status
            fed.requested_by = requested_by
            fed.client_secret_sealed = envelope.seal(_kek(), secret.encode(), _aad(org.id))
            session.execute(delete(FederationDomain).where(FederationDomain.organization_id == org.id))
            session.flush()
            session.add_all(FederationDomain(domain=name, organization_id=org.id, verified=verified)
                            for name in names)
    except IntegrityError:
        # Another organisation claimed one of these domains in between (the primary key).
        raise FederationError("one of these domains is already claimed by another organisation") \
            from None
    return fed


def set_federation(org_ref, *, issuer: str, client_id: str, client_secret: str, domains,
                   enforce: bool = False) -> OrgFederation:
    """The operator connects ORG: active at once, its domains verified."""
    org = get_organization(org_ref)
    issuer, client_id, secret, names = _checked(issuer, client_id, client_secret, domains)
    fed = _store(org, issuer, client_id, secret, names, bool(enforce), "active", verified=True)
    audit.record("federation.set", outcome="success",
                 detail={"organization_id": org.id, "issuer": issuer, "domains": names,
                         "enforce": bool(enforce)})
    return fed


def request_federation(org_ref, user_id: int, *, issuer: str, client_id: str,
                       client_secret: str, domains) -> OrgFederation:
    """An owner asks from the web: stored as ``requested``, domains unverified, not used."""
    org = get_organization(org_ref)
    current = find(org)
    if current is not None and current.status == "active":
        raise FederationError("this organisation is already connected; the operator changes it")
    issuer, client_id, secret, names = _checked(issuer, client_id, client_secret, domains)
    fed = _store(org, issuer, client_id, secret, names, False, "requested", verified=False,
                 requested_by=user_id)
    audit.record("federation.requested", user_id=user_id, outcome="pending",
                 detail={"organization_id": org.id, "issuer": issuer, "domains": names})
    return fed


def approve(org_ref, enforce: bool | None = None) -> OrgFederation:
    """The operator approves an owner's request: active, its domains verified."""
    org = get_organization(org_ref)
    fed = find(org)
    if fed is None:
        raise FederationError(f"{org.name} has no federation to approve")
    with transaction() as session:
        fed.status = "active"
        if enforce is not None:
            fed.enforce = bool(enforce)
        for row in session.scalars(select(FederationDomain).where(
                FederationDomain.organization_id == org.id)):
            row.verified = True
    audit.record("federation.approved", outcome="success",
                 detail={"organization_id": org.id, "issuer": fed.issuer})
    return fed


def remove(org_ref) -> None:
    """Disconnect ORG: its domains are free again; linked identities stay (a re-connect
    to the same issuer finds them), and password sign-in is allowed again."""
    org = get_organization(org_ref)
    fed = find(org)
    if fed is None:
        raise FederationError(f"{org.name} has no federation")
    issuer = fed.issuer
    with transaction() as session:
        session.execute(delete(FederationDomain).where(FederationDomain.organization_id == org.id))
        session.delete(fed)
    audit.record("federation.removed", outcome="success",
                 detail={"organization_id": org.id, "issuer": issuer})


def client_secret(fed: OrgFederation) -> str:
    """The upstream client secret, opened from its envelope (never logged, never shown)."""
    return envelope.open_(_kek(), fed.client_secret_sealed, _aad(fed.organization_id)).decode()


def rewrap(old_kek: bytes, new_kek: bytes) -> int:
    """Re-seal every upstream client secret under a new key-encryption key (`idp keys rewrap`)."""
    rows = db.session.scalars(select(OrgFederation)).all()
    with transaction():
        for row in rows:
            row.client_secret_sealed = envelope.reseal(old_kek, new_kek, row.client_secret_sealed,
                                                       _aad(row.organization_id))
    return len(rows)


def for_email(email: str) -> OrgFederation | None:
    """The active connection whose verified domain is the email's, or None."""
    domain = email_domain(email)
    if domain is None:
        return None
    return db.session.scalar(
        select(OrgFederation)
        .join(FederationDomain, FederationDomain.organization_id == OrgFederation.organization_id)
        .where(FederationDomain.domain == domain, FederationDomain.verified.is_(True),
               OrgFederation.status == "active"))


def password_refused(email: str) -> bool:
    """Whether this email's organisation enforces upstream sign-in (no password here)."""
    fed = for_email(email)
    return bool(fed and fed.enforce)


def describe(fed: OrgFederation) -> dict:
    """What `show` prints: never the secret, only that one is set."""
    org = db.session.get(Organization, fed.organization_id)
    return {"organization": {"id": org.id, "name": org.name}, "issuer": fed.issuer,
            "client_id": fed.client_id, "client_secret_set": bool(fed.client_secret_sealed),
            "domains": [{"domain": d.domain, "verified": d.verified} for d in domains_of(org.id)],
            "enforce": fed.enforce, "status": fed.status, "redirect_uri": redirect_uri(),
            "backchannel_logout_uri": backchannel_uri(), "created_at": fed.created_at,
            "updated_at": fed.updated_at}
