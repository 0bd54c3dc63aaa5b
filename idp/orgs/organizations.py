"""Organisations and their members: create, find, update company info, add/remove/set role."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..accounts.users import UserError, find_by_email, validate_email
from ..extensions import db
from ..storage.models import Membership, Organization, Plan, User
from ..storage.models.orgs import ROLES
from ..storage.transaction import transaction
from .changes import watch
from .errors import OrgError
from .periods import plan_id_at

COUNTRY_RE = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2
INFO_LIMITS = {"legal_name": 300, "tax_id": 64, "address": 1000}


def find_organization(ref) -> Organization | None:
    """Find by id (digits) or by name (exact, then case-insensitive)."""
    if isinstance(ref, Organization):
        return ref
    ref = str(ref or "").strip()
    if not ref or len(ref) > 200:
        return None
    if ref.isdigit():
        return db.session.get(Organization, int(ref)) if int(ref) < 2**31 else None
    org = db.session.scalar(select(Organization).where(Organization.name == ref))
    return org or db.session.scalar(
        select(Organization).where(func.lower(Organization.name) == ref.lower()))


def get_organization(ref) -> Organization:
    org = find_organization(ref)
    if org is None:
        raise OrgError(f"no organisation {str(ref)[:80]!r}")
    return org


def list_organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def _name(name) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise OrgError("name must be 1 to 200 characters")
    if name.isdigit():
        raise OrgError("name must not be only digits (digits name an organisation by id)")
    return name


def _info(fields: dict) -> dict:
    """Validate company info; None means 'leave as is', '' means 'clear'."""
    out = {}
    for key, value in fields.items():
        if value is None:
            continue
        value = value.strip()
        if key in INFO_LIMITS and len(value) > INFO_LIMITS[key]:
            raise OrgError(f"{key.replace('_', ' ')} must be at most {INFO_LIMITS[key]} characters")
        if key == "country" and value:
            value = value.upper()
            if not COUNTRY_RE.match(value):
                raise OrgError("country must be an ISO 3166-1 alpha-2 code such as ID")
        if key == "billing_email" and value:
            try:
                value = validate_email(value)
            except UserError:
                raise OrgError(f"billing email is not a valid email address: {value[:80]!r}") from None
        out[key] = value or None
    return out


def create_organization(name: str, **info) -> Organization:
    """Create an organisation (name unique, case-insensitive)."""
    name = _name(name)
    fields = _info(info)
    if find_organization(name) is not None:
        raise OrgError(f"an organisation named {name!r} already exists")
    org = Organization(name=name, **fields)
    try:
        with transaction() as session:
            session.add(org)
    except IntegrityError:
        raise OrgError(f"an organisation named {name!r} already exists") from None
    return org


def update_organization(ref, name: str | None = None, **info) -> Organization:
    """Change the name or company info (legal_name, tax_id, address, country, billing_email)."""
    org = get_organization(ref)
    fields = _info(info)
    if name is not None:
        fields["name"] = _name(name)
        other = find_organization(fields["name"])
        if other is not None and other.id != org.id:
            raise OrgError(f"an organisation named {fields['name']!r} already exists")
    with transaction():
        for key, value in fields.items():
            setattr(org, key, value)
    return org


def _role(role: str) -> str:
    if role not in ROLES:
        raise OrgError(f"role must be one of {', '.join(ROLES)}")
    return role


def _user(email: str) -> User:
    user = find_by_email(email or "")
    if user is None:
        raise OrgError(f"no user with email {str(email)[:80]!r}")
    return user


def get_membership(org: Organization, user: User) -> Membership:
    membership = db.session.scalar(select(Membership).where(
        Membership.organization_id == org.id, Membership.user_id == user.id))
    if membership is None:
        raise OrgError(f"{user.email} is not a member of {org.name}")
    return membership


def members(ref) -> list[tuple[Membership, User]]:
    """The members in seat order (longest-standing first)."""
    org = get_organization(ref)
    rows = db.session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.organization_id == org.id)
        .order_by(Membership.created_at, Membership.id))
    return [(membership, user) for membership, user in rows]


def add_member(ref, email: str, role: str = "member") -> Membership:
    """Add a person; refused when the current plan's seats are all taken."""
    from .subscriptions import current_subscription

    org, user, role = get_organization(ref), _user(email), _role(role)
    with transaction() as session:
        # Lock the organisation: two concurrent additions cannot both take the last seat.
        session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())
        if session.scalar(select(Membership.id).where(
                Membership.organization_id == org.id, Membership.user_id == user.id)):
            raise OrgError(f"{user.email} is already a member of {org.name}")
        _check_seats(session, org, current_subscription(org.id))
        membership = Membership(organization_id=org.id, user_id=user.id, role=role)
        session.add(membership)
    return membership


def _check_seats(session, org, sub) -> None:
    if sub is None:
        return
    plan = session.get(Plan, plan_id_at(session, sub, clock.now()))  # the plan in force now
    seats = (plan.limits or {}).get("seats")
    if seats is None:
        return
    taken = session.scalar(select(func.count()).select_from(Membership)
                           .where(Membership.organization_id == org.id))
    if taken >= seats:
        raise OrgError(f"{org.name} has no free seat: its plan {plan.code} has {seats} seat(s)")


def remove_member(ref, email: str) -> None:
    """Remove a person; they lose the organisation's products at once (signal sent)."""
    org, user = get_organization(ref), _user(email)
    membership = get_membership(org, user)
    with watch([org.id], "member_removed"), transaction() as session:
        session.delete(membership)


def set_role(ref, email: str, role: str) -> Membership:
    org, user, role = get_organization(ref), _user(email), _role(role)
    membership = get_membership(org, user)
    with transaction():
        membership.role = role
    return membership


def describe(org: Organization) -> dict:
    return {"id": org.id, "name": org.name, "legal_name": org.legal_name, "tax_id": org.tax_id,
            "address": org.address, "country": org.country, "billing_email": org.billing_email,
            "created_at": org.created_at}
