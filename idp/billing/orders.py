"""Orders: quoting and creation (new, renewal, upgrade, downgrade; one awaiting order per
organisation), lookup, and the order state machine — every move is one conditional UPDATE that names the states it may leave."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select, update

from .. import clock
from ..errors import IdPError
from ..i18n import N_
from ..extensions import db
from ..orgs import periods
from ..orgs.current import current_subscription, renewal_plan
from ..orgs.organizations import lock
from ..orgs.plans import get_plan
from ..storage.ids import row_id
from ..storage.models import Membership, Order, Organization, Plan
from ..storage.transaction import transaction
from . import lifecycle

# status → the states an order may move to it from. Nothing leaves refunded, expired,
# failed or cancelled: a customer who still wants the plan places a new order.
TRANSITIONS = {
    "paid": ("awaiting_payment",),
    "expired": ("awaiting_payment",),
    "failed": ("awaiting_payment",),
    "cancelled": ("awaiting_payment", "scheduled"),
    "applied": ("scheduled",),
    # Another order of the organisation was paid: a forgotten one cannot be paid months
    # later into a surprise (payments._supersede_others does this move for all at once).
    "superseded": ("awaiting_payment",),
    "refunded": ("paid",),
}


class OrderError(IdPError):
    """Bad input for an order operation; the message is safe to show.

    ``message`` is English with %(name)s placeholders filled from ``values``; pages show
    it translated (``translatable``: the template and values, web/i18n.py translates).
    ``plural``: the plural template, chosen by ``values["num"]``.
    """

    def __init__(self, message: str, plural: str | None = None, **values):
        self.template, self.plural, self.values = message, plural, values
        chosen = plural if plural is not None and values.get("num") != 1 else message
        super().__init__(chosen % values if values else chosen)




def transition(order_id: int, to: str, **values) -> Order | None:
    """Move an order to ``to`` if its state allows; return it, or None when it did not move.

    One statement (``UPDATE ... WHERE id = ? AND status IN (...) RETURNING``): two callers
    racing for the same move cannot both win. Runs in the caller's transaction.
    """
    statement = (update(Order)
                 .where(Order.id == order_id, Order.status.in_(TRANSITIONS[to]))
                 .values(status=to, updated_at=clock.now(), **values)
                 .returning(Order.id))
    moved = db.session.execute(statement).scalar()
    if moved is None:
        return None
    order = db.session.get(Order, moved)
    db.session.refresh(order)
    return order


def find_order(order_id, organization_id: int | None = None) -> Order | None:
    """THE order lookup, by id (of one organisation when given): None when there is none."""
    found = row_id(order_id)
    order = db.session.get(Order, found) if found is not None else None
    if order is None or organization_id not in (None, order.organization_id):
        return None
    return order


def get_order(order_id) -> Order:
    """``find_order``, or OrderError (safe to show)."""
    order = find_order(order_id)
    if order is None:
        raise OrderError(f"no order {str(order_id)[:40]!r}")
    return order


def find_by_gateway_ref(gateway: str, ref: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.gateway == gateway,
                                                 Order.gateway_order_id == ref))


def list_orders(organization_id: int) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.organization_id == organization_id)
                                   .order_by(Order.created_at.desc(), Order.id.desc())))


@dataclass
class Quote:
    """What ordering ``plan`` would be for an organisation now, computed on the server: the
    kind, the charge, when it takes effect, and what it takes away (the review page)."""

    kind: str  # new, renewal, upgrade, downgrade
    plan: Plan
    amount: Decimal
    currency: str
    current: Plan | None = None  # the plan in force now
    effective_at: datetime | None = None  # None: when paid
    lost_products: tuple[str, ...] = ()
    remaining_days: int | None = None


def rank(plan: Plan) -> tuple:
    """How plans compare: tier, then the number of products, then the price."""
    return (plan.tier or 0, len(plan.products or ()), plan.price or 0)


def prorate(difference: Decimal, remaining: timedelta, period: timedelta) -> Decimal:
    """``difference`` (per ``period``) for the ``remaining`` paid time, in whole units
    (rupiah), half up; never negative. Whole seconds: the same instant prices the same.
    Paid time beyond the current period (renewals paid ahead) is upgraded too: the share
    may exceed one period."""
    if difference <= 0 or remaining <= timedelta(0) or period <= timedelta(0):
        return Decimal(0)
    share = Decimal(int(remaining.total_seconds())) / Decimal(int(period.total_seconds()))
    return (difference * share).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def scheduled_downgrade(organization_id: int) -> Order | None:
    return db.session.scalar(select(Order).where(Order.organization_id == organization_id,
                                                 Order.status == "scheduled"))


def seats_used(organization_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Membership)
                             .where(Membership.organization_id == organization_id)) or 0


# How long the price shown on the review page holds when the order is placed: an upgrade
# is prorated to the second, so without it the order would cost a rupiah or two less than
# the customer reviewed, and a double click a second apart would make a second order.
QUOTE_HOLD = timedelta(minutes=15)


def priced_instant(reviewed_at: int | None) -> datetime | None:
    """The review's instant (epoch seconds, from the form) if within the last QUOTE_HOLD;
    None otherwise (price now). Never later than now, so a forged value can only pay for
    more of the period than now, never less."""
    if reviewed_at is None:
        return None
    now = clock.now()
    try:
        at = datetime.fromtimestamp(reviewed_at, tz=now.tzinfo)
    except (OverflowError, OSError, ValueError):
        return None
    return at if now - QUOTE_HOLD <= at <= now else None


def quote(org: Organization, plan: Plan | str, priced_at: datetime | None = None) -> Quote:
    """The order ``plan`` would be for ``org`` now, or OrderError (safe to show).
    ``priced_at`` (from ``priced_instant``): prorate an upgrade as of that instant."""
    plan = get_plan(plan, offered=True)
    sub = current_subscription(org.id)
    if sub is None or sub.status == "pending":
        return Quote("new", plan, plan.price, plan.currency)
    if sub.status != "active":
        raise OrderError(N_("The subscription is %(status)s; contact us to settle it first."),
                         status=sub.status)
    now = clock.now()
    if sub.current_period_end is None or sub.current_period_end <= now:
        # Paid time over (the worker has not marked it expired yet): a new start.
        return Quote("new", plan, plan.price, plan.currency)
    if sub.cancel_at_period_end:
        raise OrderError(N_("The subscription is set to end at the period end; resume it first."))
    in_force = db.session.get(Plan, periods.plan_id_at(db.session, sub, now))
    scheduled = scheduled_downgrade(org.id)
    renewing = db.session.get(Plan, scheduled.plan_id) if scheduled else renewal_plan(sub)
    end = sub.current_period_end
    if plan.id == renewing.id:
        return Quote("renewal", plan, plan.price, plan.currency, in_force, end)
    if scheduled is not None and plan.id == in_force.id:
        raise OrderError(N_("A downgrade to %(plan)s is scheduled; cancel it to keep your "
                         "current plan."), plan=renewing.name)
    if plan.currency != in_force.currency:
        raise OrderError(N_("That plan is priced in another currency; contact us to change."))
    lost = tuple(p for p in (in_force.products or []) if p not in (plan.products or []))
    if rank(plan) > rank(in_force) and not lost:
        if scheduled is not None:
            raise OrderError(N_("A downgrade is scheduled; cancel it before upgrading."))
        remaining = (end - (priced_at or now)) if end else timedelta(0)
        amount = prorate(plan.price - in_force.price, remaining,
                         timedelta(days=in_force.period_days))
        return Quote("upgrade", plan, amount, plan.currency, in_force, None, (),
                     max(0, math.ceil(remaining.total_seconds() / 86400)))
    seats = (plan.limits or {}).get("seats")
    used = seats_used(org.id)
    if seats is not None and used > seats:
        raise OrderError(
            N_("%(plan)s has %(seats)s seats and the organisation has %(used)s members: "
            "remove %(num)s member first."),
            N_("%(plan)s has %(seats)s seats and the organisation has %(used)s members: "
            "remove %(num)s members first."), num=used - seats, plan=plan.name, seats=seats,
            used=used)
    return Quote("downgrade", plan, Decimal(0), plan.currency, in_force, end, lost)


def create_order(org: Organization, plan: Plan | str, user_id: int | None = None,
                 gateway: str = "midtrans",
                 priced_at: datetime | None = None) -> tuple[Order, bool]:
    """Create the order for ``plan`` (a Plan or its code, offered) as ``quote`` prices it;
    return (order, created).

    One order per organisation awaits payment: under the organisation lock a new order
    supersedes the awaiting one (it can no longer be paid), unless that one is the same
    order (same plan, kind and amount: a double click returns it). The partial unique
    index ``uq_orders_one_awaiting`` is the backstop. A downgrade is no payment: it is
    ``scheduled`` (one at a time; a new one replaces it) and supersedes what awaits.
    """
    superseded: list[int] = []
    with transaction() as session:
        lock(session, org.id)
        priced = quote(org, plan, priced_at)
        existing = _awaiting(org.id)
        if (existing is not None and priced.kind != "downgrade"
                and existing.plan_id == priced.plan.id and existing.kind == priced.kind
                and existing.amount == priced.amount):
            return existing, False
        # What awaits payment is superseded; a scheduled downgrade is replaced only by
        # another downgrade (a renewal on its plan keeps it: that is how it happens).
        leaving = (("awaiting_payment", "scheduled") if priced.kind == "downgrade"
                   else ("awaiting_payment",))
        superseded = list(session.scalars(
            update(Order).where(Order.organization_id == org.id, Order.status.in_(leaving))
            .values(status=case((Order.status == "scheduled", "cancelled"),
                                else_="superseded"), updated_at=clock.now())
            .returning(Order.id)))
        order = Order(organization_id=org.id, plan_id=priced.plan.id, kind=priced.kind,
                      status="scheduled" if priced.kind == "downgrade" else "awaiting_payment",
                      amount=priced.amount, currency=priced.currency,
                      gateway=gateway, created_by_user_id=user_id,
                      gateway_order_id=f"TOMPS-{org.id}-{secrets.token_hex(6).upper()}")
        session.add(order)
    for other in superseded:
        lifecycle.publish_account_event(org.id, {"type": "order", "order_id": other,
                                                 "status": "superseded"})
    lifecycle.publish_account_event(org.id, {"type": "order", "order_id": order.id,
                                             "status": order.status})
    return order, True


def cancel_downgrade(org: Organization) -> Order:
    """Cancel the scheduled downgrade (the plan renews as it is)."""
    with transaction() as session:
        lock(session, org.id)
        scheduled = scheduled_downgrade(org.id)
        if scheduled is None:
            raise OrderError(N_("No downgrade is scheduled."))
        transition(scheduled.id, "cancelled")
    lifecycle.publish_account_event(org.id, {"type": "order", "order_id": scheduled.id,
                                             "status": "cancelled"})
    return scheduled


def _awaiting(organization_id: int) -> Order | None:
    return db.session.scalar(select(Order).where(
        Order.organization_id == organization_id, Order.status == "awaiting_payment"))


def describe(order: Order) -> dict:
    """The JSON shape of an order (DESIGN.md: {id, gateway_order_id, amount, currency, status})."""
    plan = db.session.get(Plan, order.plan_id)
    return {"id": order.id, "gateway_order_id": order.gateway_order_id,
            "amount": str(order.amount), "currency": order.currency, "status": order.status,
            "kind": order.kind, "organization_id": order.organization_id,
            "plan": plan.code if plan else None, "gateway": order.gateway,
            "payment_reference": order.payment_reference, "created_at": order.created_at,
            "paid_at": order.paid_at}
