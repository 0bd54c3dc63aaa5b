"""Orders: creation (one awaiting order per organisation and plan), lookup, and the order
state machine — every move is one conditional UPDATE that names the states it may leave."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..errors import IdPError
from ..extensions import db
from ..orgs.current import current_subscription, renewal_plan
from ..orgs.plans import get_plan
from ..storage.ids import row_id
from ..storage.models import Order, Organization, Plan
from ..storage.transaction import transaction

# status → the states an order may move to it from. Nothing leaves refunded, expired,
# failed or cancelled: a customer who still wants the plan places a new order.
TRANSITIONS = {
    "paid": ("awaiting_payment",),
    "expired": ("awaiting_payment",),
    "failed": ("awaiting_payment",),
    "cancelled": ("awaiting_payment",),
    # Another order of the organisation was paid: a forgotten one cannot be paid months
    # later into a surprise (payments._supersede_others does this move for all at once).
    "superseded": ("awaiting_payment",),
    "refunded": ("paid",),
}


class OrderError(IdPError):
    """Bad input for an order operation; the message is safe to show."""


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


def _kind(org: Organization, plan: Plan) -> str:
    """new, or renewal of the running subscription (on the plan of its last period)."""
    current = current_subscription(org.id)
    if current is None or current.status == "pending":
        return "new"
    renewing = renewal_plan(current)
    if renewing.id != plan.id:
        # Changing plan mid-period is an operator action (`idp subscriptions change-plan`).
        raise OrderError(f"the organisation is subscribed to {renewing.code!r}; "
                         "a renewal must be for the same plan")
    return "renewal"


def create_order(org: Organization, plan: Plan | str, user_id: int | None = None,
                 gateway: str = "midtrans") -> tuple[Order, bool]:
    """Create an order awaiting payment for ``plan`` (a Plan or its code, offered); return
    (order, created).

    While one awaits for this organisation and plan, return that one: the partial unique
    index ``uq_orders_one_awaiting`` decides under concurrency (insert, then on conflict
    read the winner), so a double click or 20 concurrent requests create one order.
    """
    plan = get_plan(plan, offered=True)
    for _ in range(3):
        existing = _awaiting(org.id, plan.id)
        if existing is not None:
            return existing, False
        order = Order(organization_id=org.id, plan_id=plan.id, kind=_kind(org, plan),
                      status="awaiting_payment", amount=plan.price, currency=plan.currency,
                      gateway=gateway, created_by_user_id=user_id,
                      gateway_order_id=f"TOMPS-{org.id}-{secrets.token_hex(6).upper()}")
        try:
            with transaction() as session:
                session.add(order)
            return order, True
        except IntegrityError:
            continue  # another request created it first: read theirs
    raise OrderError("could not create the order; please try again")


def _awaiting(organization_id: int, plan_id: int) -> Order | None:
    return db.session.scalar(select(Order).where(
        Order.organization_id == organization_id, Order.plan_id == plan_id,
        Order.status == "awaiting_payment"))


def describe(order: Order) -> dict:
    """The JSON shape of an order (DESIGN.md: {id, gateway_order_id, amount, currency, status})."""
    plan = db.session.get(Plan, order.plan_id)
    return {"id": order.id, "gateway_order_id": order.gateway_order_id,
            "amount": str(order.amount), "currency": order.currency, "status": order.status,
            "kind": order.kind, "organization_id": order.organization_id,
            "plan": plan.code if plan else None, "gateway": order.gateway,
            "payment_reference": order.payment_reference, "created_at": order.created_at,
            "paid_at": order.paid_at}
