"""The organisation account: who may see it, what it shows, the company details.

Access rule: the account pages are for an organisation's owners and admins; a plain
member gets 403 (plans, seats and invoices are the admins' business).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .. import clock
from ..errors import IdPError
from ..extensions import db
from ..i18n import N_
from ..orgs import company, periods
from ..orgs.current import current_subscription, subscription_of
from ..orgs.entitlements import effective_status
from ..orgs.organizations import update_organization
from ..storage.ids import row_id
from ..storage.models import (
    Membership,
    Order,
    Organization,
    Plan,
    Product,
    Subscription,
    SubscriptionPeriod,
    User,
)
from ..storage.models.orgs import ADMIN_ROLES
from .orders import find_order, scheduled_downgrade, seats_used

RUNNING = periods.RUNNING_STATUSES


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


@dataclass
class Panel:
    """The subscription panel of the account page: the truth now, and what is scheduled."""

    org: Organization
    subscription: Subscription | None
    status: str | None  # effective: an active one whose paid time ended is expired
    plan: Plan | None  # in force now
    period_end: object
    cancel_at_period_end: bool
    scheduled: Order | None  # a downgrade waiting for the period end
    scheduled_plan: Plan | None
    next_plan: Plan | None  # a later paid period on another plan, and when it starts
    next_plan_at: object
    lost_products: list[str]  # what the scheduled change takes away
    seats_used: int
    seats: int | None
    products: list[Product]
    awaiting: Order | None  # the order awaiting payment, if any
    awaiting_plan: Plan | None
    just_paid: Order | None  # the order whose payment just cleared (banner), if asked


def panel(org: Organization, just_paid=None) -> Panel:
    """The subscription panel; ``just_paid``: an order id the page was told was just paid
    (a live event): the banner shows only if that order is paid and the plan is running."""
    sub = subscription_of(org.id)
    now = clock.now()
    plan = status = next_plan = next_at = None
    if sub is not None:
        end = sub.current_period_end
        status = effective_status(sub.status, end and end.timestamp(), now)
        plan = db.session.get(Plan, periods.plan_id_at(db.session, sub, now))
        if status in RUNNING:
            later = [p for p in periods.live(db.session, sub) if p.start > now
                     and p.plan_id != plan.id]
            if later:
                next_plan, next_at = db.session.get(Plan, later[0].plan_id), later[0].start
    scheduled = scheduled_downgrade(org.id)
    scheduled_plan = db.session.get(Plan, scheduled.plan_id) if scheduled else None
    losing = scheduled_plan or next_plan
    lost = [p for p in (plan.products or [])
            if p not in (losing.products or [])] if plan and losing else []
    awaiting = db.session.scalar(select(Order).where(Order.organization_id == org.id,
                                                     Order.status == "awaiting_payment"))
    paid = find_order(just_paid, org.id) if just_paid else None
    if paid is not None and (paid.status != "paid" or status not in RUNNING):
        paid = None
    products = {p.code: p for p in db.session.scalars(select(Product))}
    return Panel(org, sub, status, plan, sub.current_period_end if sub else None,
                 bool(sub and sub.cancel_at_period_end and status in RUNNING),
                 scheduled, scheduled_plan, next_plan, next_at,
                 [products[c].name if c in products else c for c in lost],
                 seats_used(org.id), (plan.limits or {}).get("seats") if plan else None,
                 [products[c] for c in (plan.products or []) if c in products] if plan else [],
                 awaiting, db.session.get(Plan, awaiting.plan_id) if awaiting else None, paid)


def product_names() -> dict[str, str]:
    return dict(db.session.execute(select(Product.code, Product.name)).all())


def update_company(org: Organization, data: dict) -> None:
    """Save the company details (the form checked them with the same rules)."""
    update_organization(org, **{field: data.get(field) or "" for field in company.FIELDS})


def order_of(org: Organization, order_id: int) -> Order | None:
    return find_order(order_id, org.id)


def plan_of(order: Order) -> Plan:
    return db.session.get(Plan, order.plan_id)


def snapshot(org_id: int) -> dict:
    """The live state the account page shows: order statuses, the subscription (plan,
    status, period end, cancellation) and the seats used. The page re-renders its panels
    whenever this changes (a poll's ETag, a stream's snapshot)."""
    orders = db.session.execute(select(Order.id, Order.status).where(
        Order.organization_id == org_id).order_by(Order.id.desc()).limit(50)).all()
    sub = current_subscription(org_id)
    return {"type": "snapshot", "orders": [{"order_id": i, "status": s} for i, s in orders],
            "subscription": {"status": sub.status if sub else None,
                             "plan_id": sub.plan_id if sub else None,
                             "cancel_at_period_end": bool(sub and sub.cancel_at_period_end),
                             "period_end": sub.current_period_end.isoformat()
                             if sub and sub.current_period_end else None},
            "seats_used": seats_used(org_id)}
