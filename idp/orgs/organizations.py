"""Organisations and their members: create, find, update company info, add/remove/set role."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..accounts.users import find_by_email
from ..extensions import db
from ..storage.ids import row_id
from ..storage.models import Membership, Organization, Plan, User
from ..storage.models.orgs import ROLES
from ..storage.transaction import transaction
from . import company
from .changes import watch
from .current import current_subscription
from .errors import OrgError
from .periods import plan_id_at


def find_organization(ref) -> Organization | None:
    """THE organisation lookup: by id (ASCII digits, a 32-bit row id) or by name (exact,
    then case-insensitive). Every caller uses it: the CLI, billing, security policy."""
    if isinstance(ref, Organization):
        return ref
    ref = str(ref if ref is not None else "").strip()
    if not ref or len(ref) > 200:
        return None
    if ref.isdigit():  # names are never only digits (see _name): this names an id
        found = row_id(ref)
        return db.session.get(Organization, found) if found is not None else None
    org = db.session.scalar(select(Organization).where(Organization.name == ref))
    return org or db.session.scalar(
        select(Organization).where(func.lower(Organization.name) == ref.lower()))


def get_organization(ref) -> Organization:
    """``find_organization``, or OrgError "no organisation ..." (safe to show)."""
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


def create_organization(name: str, **info) -> Organization:
    """Create an organisation (name unique, case-insensitive)."""
    name = _name(name)
    fields = company.checked(info)
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
    """Change the name or company info (company.FIELDS; checked by company.py)."""
    org = get_organization(ref)
    fields = company.checked(info)
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


def lock(session, organization_id: int) -> None:
    """THE organisation lock: ``SELECT ... FOR UPDATE`` of its row, held until the caller's
    transaction ends. Every change that must see the organisation as it stands takes it
    first: a membership (seats), a subscription change (``subscriptions.changing``)."""
    session.execute(select(Organization.id).where(Organization.id == organization_id)
                    .with_for_update())


def add_member(ref, email: str, role: str = "member") -> Membership:
    """Add a person; refused when the current plan's seats are all taken."""
    org, user, role = get_organization(ref), _user(email), _role(role)
    with transaction() as session:
        lock(session, org.id)  # two concurrent additions cannot both take the last seat
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


def require_totp(ref, required: bool) -> Organization:
    """Make a second factor required (or not) for every member (accounts.totp enforces it)."""
    org = get_organization(ref)
    with transaction():
        org.require_totp = bool(required)
    audit.record("org.require_totp", outcome="success",
                 detail={"organization_id": org.id, "require_totp": bool(required)})
    return org


def describe(org: Organization) -> dict:
    return {"id": org.id, "name": org.name, "legal_name": org.legal_name, "tax_id": org.tax_id,
            "address": org.address, "country": org.country, "billing_email": org.billing_email,
            "timezone": org.timezone, "created_at": org.created_at}
