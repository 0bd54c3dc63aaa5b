"""Who may manage an organisation's people from the account pages, and how.

The rules (docs/members.md):
- owners and admins manage people; a plain member sees the list, read-only;
- an owner may give any role, change anyone's role and remove anyone;
- an admin may invite, promote and demote only between ``admin`` and ``member``, and
  never touches an owner (no role change, no removal, no owner invitation): an admin
  cannot make anyone, themselves included, an owner;
- the last owner can be neither removed nor demoted (organizations.py, under the lock);
- every target is looked up *within* the organisation acted for: a member id of
  another organisation is "not found", never touched.

The CLI (an operator) goes straight to organizations.py and is not bound by these rules.
"""

from __future__ import annotations

from sqlalchemy import select

from .. import audit
from ..errors import IdPError
from ..i18n import N_
from ..extensions import db
from ..storage.models import Membership, Organization, User
from ..storage.models.orgs import ADMIN_ROLES, ROLES
from . import organizations
from .errors import OrgError


class PeopleForbidden(IdPError):
    """The person may not make this change to the organisation's people."""

    status = 403
    error = "access_denied"
    title = "Forbidden"


class MemberNotFound(IdPError):
    """No such member (or invitation) in the organisation acted for."""

    status = 404
    error = "not_found"
    title = "Not found"


def role_of(organization_id: int, user_id: int) -> str | None:
    """The person's role in the organisation, or None when not a member."""
    return db.session.scalar(select(Membership.role).where(
        Membership.organization_id == organization_id, Membership.user_id == user_id))


def can_manage(role: str | None) -> bool:
    return role in ADMIN_ROLES


def assignable_roles(role: str | None) -> tuple[str, ...]:
    """The roles this actor may give (invite with, or change a member to)."""
    if role == "owner":
        return ROLES
    if role == "admin":
        return ("admin", "member")
    return ()


def _deny(actor_id: int, org_id: int, action: str, why: str):
    audit.record("member.change_denied", user_id=actor_id, outcome="denied", reason=why,
                 detail={"organization_id": org_id, "action": action})
    return PeopleForbidden(why)


def _actor_role(session, org_id: int, actor_id: int) -> str | None:
    return session.scalar(select(Membership.role).where(
        Membership.organization_id == org_id, Membership.user_id == actor_id))


def require_manager(org_id: int, actor_id: int, action: str) -> str:
    """The actor's role when they may manage people here; else PeopleForbidden (audited)."""
    role = role_of(org_id, actor_id)
    if not can_manage(role):
        raise _deny(actor_id, org_id, action, N_("Only owners and admins can manage members."))
    return role


def require_assignable(org_id: int, actor_id: int, actor_role: str, role: str, action: str):
    if role not in ROLES:
        raise OrgError(N_("Choose a role: owner, admin or member."))
    if role not in assignable_roles(actor_role):
        raise _deny(actor_id, org_id, action, N_("Only an owner can make someone an owner."))


def member(org: Organization, user_id) -> User:
    """The member ``user_id`` of ``org``; MemberNotFound for anyone else (other orgs too)."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise MemberNotFound(N_("There is no such member in this organisation.")) from None
    found = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organization_id == org.id, User.id == user_id))
    if found is None:
        raise MemberNotFound(N_("There is no such member in this organisation."))
    return found


def _checker(org_id: int, actor_id: int, action: str, role: str | None = None):
    """The permission check run under the organisation lock (the actor's role as it is then)."""

    def check(session, target: Membership) -> None:
        actor = _actor_role(session, org_id, actor_id)
        if not can_manage(actor):
            raise _deny(actor_id, org_id, action, N_("Only owners and admins can manage members."))
        if target.role == "owner" and actor != "owner":
            raise _deny(actor_id, org_id, action, N_("Only an owner can change or remove an owner."))
        if role is not None and role not in assignable_roles(actor):
            raise _deny(actor_id, org_id, action, N_("Only an owner can make someone an owner."))

    return check


def change_role(org: Organization, user_id, role: str, actor_id: int) -> Membership:
    """Give member ``user_id`` of ``org`` the role ``role`` (the rules above)."""
    require_manager(org.id, actor_id, "change_role")
    if role not in ROLES:
        raise OrgError(N_("Choose a role: owner, admin or member."))
    target = member(org, user_id)
    return organizations.set_role(org, target.email, role, check=_checker(
        org.id, actor_id, "change_role", role), actor_id=actor_id)


def remove(org: Organization, user_id, actor_id: int) -> User:
    """Remove member ``user_id`` of ``org``: the CLI's removal (refresh tokens revoked,
    back-channel logout for the products lost), with the rules above."""
    require_manager(org.id, actor_id, "remove")
    target = member(org, user_id)
    organizations.remove_member(org, target.email, check=_checker(org.id, actor_id, "remove"),
                                actor_id=actor_id)
    return target


def roster(org: Organization) -> list[dict]:
    """The members in seat order: {user_id, email, name, role, joined_at}."""
    return [{"user_id": user.id, "email": user.email, "role": m.role, "joined_at": m.created_at,
             "name": " ".join(filter(None, (user.given_name, user.family_name)))}
            for m, user in organizations.members(org)]


def owners(organization_id: int) -> list[dict]:
    """The organisation's owners ({name, email}), for "ask an owner" pages."""
    rows = db.session.execute(
        select(User.email, User.given_name, User.family_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, Membership.role == "owner")
        .order_by(Membership.created_at, Membership.id).limit(20))
    return [{"email": email, "name": " ".join(filter(None, (given, family)))}
            for email, given, family in rows]


def readonly_view(org: Organization, user_id: int) -> dict:
    """What a plain member sees of their organisation: the plan in force, its status and
    period end, and its products by name (read from THE entitlement function)."""
    from .entitlements import resolve

    ent = resolve(user_id, org.id, use_cache=False)
    catalog = ent.catalog or {}
    return {"plan_name": ent.plan_name, "status": ent.status, "period_end": ent.period_end,
            "products": [(catalog.get(code) or {}).get("name") or code
                         for code in ent.plan_products],
            "usable": bool(ent.products), "seat": ent.seat, "reason": ent.reason,
            "owners": owners(org.id)}
