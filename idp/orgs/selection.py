"""Which organisation a person is acting for: one → that one; several → a hint, the last choice,
or the picker page (views.py)."""

from __future__ import annotations

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..storage.models import Membership, Organization
from ..storage.transaction import transaction
from .errors import OrgError


def organizations_for(user_id: int, roles=None) -> list[Organization]:
    """The organisations this person belongs to (with one of ``roles``, when given), by name."""
    query = (select(Organization).join(Membership, Membership.organization_id == Organization.id)
             .where(Membership.user_id == user_id).order_by(Organization.name))
    if roles is not None:
        query = query.where(Membership.role.in_(roles))
    return list(db.session.scalars(query))


def _memberships(user_id: int) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(Membership.user_id == user_id)))


def _matches(membership: Membership, hint: str) -> bool:
    return hint == str(membership.organization_id) or hint == membership.organization.name


def default_organization(user_id: int, hint: str | None = None) -> int | None:
    """The organisation id to use without asking, or None when the person must pick.

    One membership → it. Several → the one the ``org`` hint names (id or name),
    else the last one chosen; otherwise None. A hint naming an organisation the
    person does not belong to is ignored (never reveals or grants anything).
    """
    memberships = _memberships(user_id)
    if hint is not None:
        hint = str(hint).strip()
        named = [m for m in memberships if _matches(m, hint)]
        if named:
            return named[0].organization_id
    if len(memberships) == 1:
        return memberships[0].organization_id
    chosen = [m for m in memberships if m.last_chosen_at is not None]
    if chosen:
        return max(chosen, key=lambda m: m.last_chosen_at).organization_id
    return None


def remember_choice(user_id: int, organization_id: int) -> None:
    """Record that the person picked this organisation (skips the picker next time)."""
    with transaction() as session:
        membership = session.scalar(select(Membership).where(
            Membership.user_id == user_id, Membership.organization_id == organization_id))
        if membership is None:
            raise OrgError("you are not a member of that organisation")
        membership.last_chosen_at = clock.now()
