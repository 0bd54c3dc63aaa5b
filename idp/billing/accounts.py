"""The organisation account: who may see it, what it shows, the company details.

Access rule: the account pages are for an organisation's owners and admins; a plain
member gets 403 (plans, seats and invoices are the admins' business).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..errors import IdPError
from ..extensions import db
from ..i18n import N_
from ..orgs import company
from ..orgs.current import current_subscription, subscription_of
from ..orgs.organizations import update_organization
from ..storage.ids import row_id
from ..storage.models import (
    Membership,
    Order,
    Organization,
    Plan,
    Subscription,
    SubscriptionPeriod,
    User,
)
from ..storage.models.orgs import ADMIN_ROLES
from .orders import find_order


class AccountAccessDenied(IdPError):
    """The person is not an owner or admin of the organisation asked for."""

    status = 403
    error = "access_denied"
    title = N_("Forbidden")


@dataclass
class Overview:
    org: Organization
    members: list[dict]
    subscription: Subscription | None
    plan: Plan | None
    seats_used: int
    periods: list[SubscriptionPeriod]
    orders: list[Order]
    plans: dict[int, Plan]


def admin_organization(user_id: int, org_ref: str | None) -> Organization:
    """The organisation the person administers: ``org_ref`` (an id) or their first one."""
    query = select(Membership).where(Membership.user_id == user_id)
    if org_ref:
        if row_id(org_ref) is None:
            raise AccountAccessDenied()
        query = query.where(Membership.organization_id == row_id(org_ref))
    memberships = db.session.scalars(query.order_by(Membership.created_at, Membership.id)).all()
    admin = next((m for m in memberships if m.role in ADMIN_ROLES), None)
    if admin is None:
        raise AccountAccessDenied()
    return db.session.get(Organization, admin.organization_id)


def overview(org: Organization) -> Overview:
    """Everything the account page shows."""
    sub = subscription_of(org.id)
    members = [{"email": email, "role": role, "name": " ".join(filter(None, (given, family)))}
               for email, role, given, family in db.session.execute(
                   select(User.email, Membership.role, User.given_name, User.family_name)
                   .join(Membership, Membership.user_id == User.id)
                   .where(Membership.organization_id == org.id)
                   .order_by(Membership.created_at, Membership.id))]
    periods = list(db.session.scalars(
        select(SubscriptionPeriod).join(Subscription)
        .where(Subscription.organization_id == org.id).order_by(SubscriptionPeriod.start.desc())))
    orders = list(db.session.scalars(select(Order).where(Order.organization_id == org.id)
                                     .order_by(Order.id.desc()).limit(50)))
    plan_ids = {o.plan_id for o in orders} | {p.plan_id for p in periods}
    plans = {p.id: p for p in db.session.scalars(select(Plan).where(Plan.id.in_(plan_ids)))}
    seats = db.session.scalar(select(func.count()).select_from(Membership)
                              .where(Membership.organization_id == org.id))
    return Overview(org, members, sub, sub.plan if sub else None, seats, periods, orders, plans)


def update_company(org: Organization, data: dict) -> None:
    """Save the company details (the form checked them with the same rules)."""
    update_organization(org, **{field: data.get(field) or "" for field in company.FIELDS})


def order_of(org: Organization, order_id: int) -> Order | None:
    return find_order(order_id, org.id)


def plan_of(order: Order) -> Plan:
    return db.session.get(Plan, order.plan_id)


def snapshot(org_id: int) -> dict:
    """The live state the account page shows: order statuses and the subscription."""
    orders = db.session.execute(select(Order.id, Order.status).where(
        Order.organization_id == org_id).order_by(Order.id.desc()).limit(50)).all()
    sub = current_subscription(org_id)
    return {"type": "snapshot", "orders": [{"order_id": i, "status": s} for i, s in orders],
            "subscription": {"status": sub.status if sub else None,
                             "period_end": sub.current_period_end.isoformat()
                             if sub and sub.current_period_end else None}}
