"""Organisations and their members: create, find, update company info, add/remove/set role."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..accounts.users import find_by_email
from ..extensions import db
from ..i18n import N_
from ..storage.ids import row_id
from ..storage.models import Invitation, Membership, Organization, Plan, User
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
    """Add a person; refused when the current plan's seats are all taken (pending
    invitations hold their seats: see ``seats_taken``)."""
    org, user, role = get_organization(ref), _user(email), _role(role)
    with transaction() as session:
        lock(session, org.id)  # two concurrent additions cannot both take the last seat
        membership = join(session, org, user, role)
        audit.stage("member.added", user_id=user.id, outcome="success",
                    detail={"organization_id": org.id, "role": role, "by": "operator"})
    return membership


def join(session, org: Organization, user: User, role: str) -> Membership:
    """Make ``user`` a member inside the caller's transaction, which holds ``lock``: refused
    when already a member or when no seat is free."""
    if session.scalar(select(Membership.id).where(
            Membership.organization_id == org.id, Membership.user_id == user.id)):
        raise OrgError(f"{user.email} is already a member of {org.name}")
    check_seats(session, org)
    membership = Membership(organization_id=org.id, user_id=user.id, role=_role(role))
    session.add(membership)
    session.flush()
    return membership


def seats_taken(session, organization_id: int) -> int:
    """Members plus pending invitations: an invitation holds its seat until it is accepted,
    revoked or expired, so an accepted invitation always finds its seat."""
    members_count = session.scalar(select(func.count()).select_from(Membership)
                                   .where(Membership.organization_id == organization_id))
    return members_count + pending_invitations(session, organization_id)


def pending_invitations(session, organization_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.organization_id == organization_id, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > clock.now()))


def seat_limit(session, org: Organization) -> int | None:
    """The seats of the plan in force now; None: unlimited (or no subscription yet)."""
    sub = current_subscription(org.id)
    if sub is None:
        return None
    plan = session.get(Plan, plan_id_at(session, sub, clock.now()))  # the plan in force now
    return (plan.limits or {}).get("seats")


def check_seats(session, org: Organization, adding: int = 1) -> None:
    """Refuse when ``adding`` more seats would exceed the plan (members + pending invitations)."""
    seats = seat_limit(session, org)
    if seats is None:
        return
    if seats_taken(session, org.id) + adding > seats:
        raise NoFreeSeat(seats, f"{org.name} has no free seat: its plan has {seats} seat(s), "
                         "counting pending invitations")


class NoFreeSeat(OrgError):
    """Every seat of the plan is taken by a member or a pending invitation."""

    status = 409

    def __init__(self, seats: int, public: str):
        super().__init__(public)
        self.seats = seats


class LastOwnerError(OrgError):
    """The change would leave the organisation without an owner."""

    status = 409


def _guard_last_owner(session, membership: Membership, new_role: str | None) -> None:
    """Refuse to remove or demote the last owner (under the organisation lock)."""
    if membership.role != "owner" or new_role == "owner":
        return
    owners = session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organization_id == membership.organization_id, Membership.role == "owner"))
    if owners <= 1:
        raise LastOwnerError(N_("the last owner cannot be removed or demoted: make another "
                             "member an owner first"))


def remove_member(ref, email: str, check=None, actor_id: int | None = None) -> None:
    """Remove a person; they lose the organisation's products at once (signal sent).

    The outbox (changes.py) revokes their refresh tokens and sends back-channel logout for
    the products they lost. ``check(session, membership)`` runs under the organisation lock
    before the removal (the account pages' permission rules). A person (``actor_id``) can
    never remove the last owner; an operator (the CLI) can, to hand a company over.
    """
    org, user = get_organization(ref), _user(email)
    with watch([org.id], "member_removed"), transaction() as session:
        lock(session, org.id)
        membership = get_membership(org, user)
        if check is not None:
            check(session, membership)
        if actor_id is not None:  # a person acting; an operator may hand a company over
            _guard_last_owner(session, membership, None)
        audit.stage("member.removed", user_id=actor_id, outcome="success",
                    detail={"organization_id": org.id, "member_user_id": user.id,
                            "role": membership.role, "by": "person" if actor_id else "operator"})
        session.delete(membership)


def set_role(ref, email: str, role: str, check=None, actor_id: int | None = None) -> Membership:
    """Change a member's role; the last owner cannot be demoted. ``check`` as for removal."""
    org, user, role = get_organization(ref), _user(email), _role(role)
    with transaction() as session:
        lock(session, org.id)
        membership = get_membership(org, user)
        if check is not None:
            check(session, membership)
        if actor_id is not None:
            _guard_last_owner(session, membership, role)
        audit.stage("member.role_changed", user_id=actor_id, outcome="success",
                    detail={"organization_id": org.id, "member_user_id": user.id,
                            "from": membership.role, "to": role,
                            "by": "person" if actor_id else "operator"})
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
