"""Payment confirmations: gateway notifications and finance's manual mark-paid.

``receive`` records a verified notification under its unique key and applies it in the
SAME transaction: a duplicate finds the key taken and changes nothing; the order moves
by one conditional UPDATE (orders.transition); a paid move starts or extends the
subscription before the commit. Refused notifications are recorded without the key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..extensions import db
from ..storage.models import Order, PaymentNotification, Plan
from ..storage.transaction import transaction
from . import lifecycle
from .gateways.base import (
    AWAITING,
    EXPIRED,
    FAILED,
    PAID,
    REFUNDED,
    Gateway,
    GatewayError,
    Notification,
)
from .orders import OrderError, find_by_gateway_ref, get_order, transition

log = logging.getLogger("idp.billing")

_ORDER_STATUS = {PAID: "paid", EXPIRED: "expired", FAILED: "failed", REFUNDED: "refunded"}


class UnknownOrder(GatewayError):
    status = 404
    error = "not_found"
    outcome = "rejected_unknown_order"


class AmountMismatch(GatewayError):
    status = 409
    error = "invalid_request"
    outcome = "rejected_amount"


@dataclass
class Outcome:
    outcome: str  # processed / duplicate / ignored (rejected_* rows are refusals)
    order: Order
    moved: bool = False
    ended_plan_id: int | None = None  # a refund ended the running period of this plan


def insert_ignore(model, values: dict, keys: list[str]) -> int | None:
    """INSERT ... ON CONFLICT (keys) DO NOTHING RETURNING id: the id, or None if taken."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
                 .returning(model.id))
    return db.session.execute(statement).scalar()


def receive(gateway: Gateway, body: bytes) -> Outcome:
    """Verify, record and apply one notification; raise GatewayError when refused."""
    try:
        note = gateway.parse(body, current_app.config["IDP"])
    except GatewayError as exc:
        _record_refused(gateway.name, gateway.claimed(body), None, exc.outcome)
        raise
    with transaction():
        order = _matching_order(gateway.name, note)
        taken = insert_ignore(PaymentNotification, {
            "gateway": gateway.name, "transaction_id": note.transaction_id,
            "transaction_status": note.event, "order_id": order.id, "outcome": "received",
            "raw": note.raw, "received_at": clock.now()},
            ["gateway", "transaction_id", "transaction_status"])
        if taken is None:
            return Outcome("duplicate", order)
        result = _apply(order, note.status, note.transaction_id)
        db.session.get(PaymentNotification, taken).outcome = result.outcome
    _after_commit(result, note.status)
    return result


def _matching_order(gateway_name: str, note: Notification) -> Order:
    order = find_by_gateway_ref(gateway_name, note.order_ref)
    if order is None:
        db.session.rollback()
        _record_refused(gateway_name, note.raw, None, UnknownOrder.outcome)
        raise UnknownOrder("no such order")
    if note.amount != order.amount:
        db.session.rollback()
        _record_refused(gateway_name, note.raw, order.id, AmountMismatch.outcome)
        log.warning("payment notification for order %s refused: amount differs", order.id)
        raise AmountMismatch("gross_amount does not match the order")
    return order


def _record_refused(gateway_name: str, claimed: dict, order_id: int | None, outcome: str) -> None:
    """Audit a refused notification; its transaction_id stays NULL (see the model)."""
    log.warning("payment notification refused (%s, %s): order %s", gateway_name, outcome,
                str(claimed.get("order_id", "?"))[:64])
    with transaction() as session:
        session.add(PaymentNotification(gateway=gateway_name, order_id=order_id,
                                        outcome=outcome[:32], raw=claimed))


def _apply(order: Order, status: str, reference: str) -> Outcome:
    """Move the order as the confirmation says; in the caller's transaction."""
    if status == AWAITING:
        return Outcome("ignored", order)
    values = {"paid_at": clock.now(), "payment_reference": reference} if status == PAID else {}
    moved = transition(order.id, _ORDER_STATUS[status], **values)
    if moved is None:
        # Illegal or repeated move (pending after settlement, paid after expired...).
        log.info("order %s is %s: %s ignored", order.id, order.status, status)
        return Outcome("ignored", order)
    if status == PAID:
        plan = db.session.get(Plan, moved.plan_id)
        lifecycle.activate_or_extend(db.session, moved.organization_id, plan, moved.id)
    elif status == REFUNDED:
        ended = lifecycle.cancel_order_period(db.session, moved.id)
        return Outcome("processed", moved, True, ended.plan_id if ended else None)
    return Outcome("processed", moved, moved=True)


def _after_commit(result: Outcome, status: str) -> None:
    if not result.moved:
        return
    order = result.order
    event = {"type": "order", "order_id": order.id, "status": order.status}
    if status in (PAID, REFUNDED):
        lifecycle.announce(order.organization_id, order.status, event)
    else:
        lifecycle.publish_account_event(order.organization_id, event)
    if result.ended_plan_id is not None:
        lifecycle.announce_lost(order.organization_id, result.ended_plan_id, "refunded")


def mark_paid(order_id, reference: str) -> Order:
    """Finance confirmed a bank transfer: the same paid move as a gateway confirmation."""
    reference = (reference or "").strip()
    if not reference or len(reference) > 128:
        raise OrderError("--reference must be 1 to 128 characters")
    order = get_order(order_id)
    with transaction():
        taken = insert_ignore(PaymentNotification, {
            "gateway": "manual", "transaction_id": reference, "transaction_status": "paid",
            "order_id": order.id, "outcome": "received", "raw": {"reference": reference},
            "received_at": clock.now()}, ["gateway", "transaction_id", "transaction_status"])
        if taken is None:
            raise OrderError(f"reference {reference!r} was already used")
        result = _apply(order, PAID, reference)
        if not result.moved:
            raise OrderError(f"order {order.id} is {order.status}, not awaiting payment")
        db.session.get(PaymentNotification, taken).outcome = "processed"
    _after_commit(result, PAID)
    return result.order
