"""Payment confirmations: gateway notifications and finance's manual mark-paid.

A notification is only a prompt. ``receive`` checks its signature, finds the order,
then asks the gateway itself (Get Status) what the transaction is, and acts on that
answer alone: the status, the transaction id and the amount all come from the gateway,
never from the body (Midtrans' signature does not cover the status). The confirmed
notification is recorded under its unique key and applied in the SAME transaction,
under the organisation's lock (``subscriptions.changing``): a duplicate finds the key
taken and changes nothing; the order moves by one conditional UPDATE
(orders.transition); a paid move supersedes the organisation's other awaiting orders
and adds the paid period before the commit. Refusals are counted and recorded with
limits (refusals.py); a gateway that cannot confirm gets 503 and nothing changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..extensions import db
from ..orgs import audit_trail
from ..orgs.subscriptions import apply_paid_period, apply_upgrade, changing
from ..storage.models import Order, PaymentNotification, Plan
from . import lifecycle, refusals
from .gateways.base import (
    AWAITING,
    EXPIRED,
    FAILED,
    PAID,
    REFUNDED,
    Gateway,
    GatewayError,
    Notification,
    Unconfirmed,
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
    outcome: str  # processed / duplicate / ignored / superseded
    order: Order
    moved: bool = False
    superseded: tuple[int, ...] = ()


def insert_ignore(model, values: dict, keys: list[str]) -> int | None:
    """INSERT ... ON CONFLICT (keys) DO NOTHING RETURNING id: the id, or None if taken."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
                 .returning(model.id))
    return db.session.execute(statement).scalar()


def receive(gateway: Gateway, body: bytes, source: str | None = None) -> Outcome:
    """Verify, confirm, record and apply one notification; raise GatewayError when refused
    (RateLimited when ``source`` has used up its refusals)."""
    refusals.check(source)
    order_id = None
    try:
        note = gateway.parse(body, current_app.config["IDP"])
        order = _order(gateway.name, note)
        order_id, ref, amount = order.id, order.gateway_order_id, order.amount
        if note.amount != amount:
            log.warning("payment notification for order %s refused: amount differs", order_id)
            raise AmountMismatch("gross_amount does not match the order")
        db.session.rollback()  # hold no database connection while the gateway answers
        confirmed = _confirmed(gateway, order_id, ref, amount)
    except GatewayError as exc:
        db.session.rollback()
        if exc.outcome is not None:
            refusals.refuse(gateway.name, gateway.claimed(body), order_id, exc.outcome, source)
        raise
    return _record_and_apply(gateway.name, order, confirmed, body_raw=note.raw)


def _order(gateway_name: str, note: Notification) -> Order:
    order = find_by_gateway_ref(gateway_name, note.order_ref)
    if order is None:
        raise UnknownOrder("no such order")
    return order


def _confirmed(gateway: Gateway, order_id: int, ref: str, amount) -> Notification:
    """What the gateway says about this order now (Get Status), checked against it."""
    confirmed = gateway.confirm(ref, current_app.config["IDP"])
    if confirmed.amount != amount:
        log.warning("gateway status for order %s refused: amount differs", order_id)
        raise Unconfirmed("the gateway's amount does not match the order")
    return confirmed


def _record_and_apply(gateway_name: str, order: Order, note: Notification,
                      body_raw: dict) -> Outcome:
    reason = "refunded" if note.status == REFUNDED else "downgraded"
    with changing(order.organization_id, reason):
        taken = insert_ignore(PaymentNotification, {
            "gateway": gateway_name, "transaction_id": note.transaction_id,
            "transaction_status": note.event, "order_id": order.id, "outcome": "received",
            "raw": {**body_raw, "confirmed": note.raw}, "received_at": clock.now()},
            ["gateway", "transaction_id", "transaction_status"])
        if taken is None:
            return Outcome("duplicate", order)
        result = _apply(order, note.status, note.transaction_id,
                        audit_trail.gateway(gateway_name))
        db.session.get(PaymentNotification, taken).outcome = result.outcome
    _after_commit(result)
    return result


def _apply(order: Order, status: str, payment_ref: str, actor, action: str = "paid",
           **detail) -> Outcome:
    """Move the order as the confirmation says; in the caller's ``changing`` block."""
    if status == AWAITING:
        return Outcome("ignored", order)
    values = {"paid_at": clock.now(), "payment_reference": payment_ref} if status == PAID else {}
    moved = transition(order.id, _ORDER_STATUS[status], **values)
    if moved is None:
        # Illegal or repeated move (pending after settlement, paid after expired...).
        db.session.refresh(order)
        if status == PAID and order.status == "superseded":
            log.warning("order %s is superseded (another order of its organisation was paid "
                        "first): its payment changes nothing; refund it", order.id)
            return Outcome("superseded", order)
        log.info("order %s is %s: %s ignored", order.id, order.status, status)
        return Outcome("ignored", order)
    if status == PAID:
        superseded = _supersede_others(moved)
        plan = db.session.get(Plan, moved.plan_id)
        if moved.kind == "upgrade":
            # The plan changes now for the paid time left; the period end stays.
            if apply_upgrade(db.session, moved.organization_id, plan, moved.id, actor,
                             ordered_by=moved.created_by_user_id, paid_by=action,
                             superseded_orders=list(superseded), **detail) is None:
                log.warning("upgrade order %s paid after the paid time ended: nothing "
                            "changed; refund it", moved.id)
        else:
            apply_paid_period(db.session, moved.organization_id, plan, moved.id, actor,
                              action, ordered_by=moved.created_by_user_id,
                              superseded_orders=list(superseded), **detail)
            _apply_scheduled_downgrade(moved)
        return Outcome("processed", moved, True, superseded)
    if status == REFUNDED:
        lifecycle.refund_order_period(db.session, moved.id, actor)
    return Outcome("processed", moved, moved=True)


def _apply_scheduled_downgrade(paid: Order) -> None:
    """A renewal on the plan of the scheduled downgrade was paid: the downgrade is done
    (its plan takes effect when that period starts, at the period end)."""
    db.session.execute(update(Order).where(
        Order.organization_id == paid.organization_id, Order.status == "scheduled",
        Order.plan_id == paid.plan_id).values(status="applied", updated_at=clock.now()))


def _supersede_others(paid: Order) -> tuple[int, ...]:
    """The organisation's other awaiting orders can no longer be paid (one conditional
    UPDATE, under the organisation lock the paid move holds)."""
    rows = db.session.execute(
        update(Order).where(Order.organization_id == paid.organization_id,
                            Order.status == "awaiting_payment", Order.id != paid.id)
        .values(status="superseded", updated_at=clock.now()).returning(Order.id)).scalars()
    return tuple(sorted(rows))


def _after_commit(result: Outcome) -> None:
    if not result.moved:
        return
    order = result.order
    lifecycle.publish_account_event(order.organization_id, {
        "type": "order", "order_id": order.id, "status": order.status})
    for other in result.superseded:
        lifecycle.publish_account_event(order.organization_id, {
            "type": "order", "order_id": other, "status": "superseded"})


def settle_free(order: Order) -> Order:
    """An order with nothing to pay (a free plan, an upgrade that costs nothing) is paid at
    once: the same paid move, reference ``free:<gateway order id>``."""
    if order.amount != 0 or order.status != "awaiting_payment":
        return order
    return mark_paid(order.id, f"free:{order.gateway_order_id}", _free=True)


def mark_paid(order_id, reference: str, _free: bool = False) -> Order:
    """Finance confirmed a bank transfer: the same paid move as a gateway confirmation."""
    reference = (reference or "").strip()
    if not reference or len(reference) > 128 or "\x00" in reference:
        raise OrderError("--reference must be 1 to 128 characters")
    if reference.startswith("free:") and not _free:
        raise OrderError("references starting with free: are the platform's own")
    order = get_order(order_id)
    with changing(order.organization_id, "downgraded"):
        taken = insert_ignore(PaymentNotification, {
            "gateway": "manual", "transaction_id": reference, "transaction_status": "paid",
            "order_id": order.id, "outcome": "received", "raw": {"reference": reference},
            "received_at": clock.now()}, ["gateway", "transaction_id", "transaction_status"])
        if taken is None:
            raise OrderError(f"reference {reference!r} was already used")
        result = _apply(order, PAID, reference, audit_trail.OPERATOR, "mark_paid",
                        reference=reference)
        if not result.moved:
            raise OrderError(f"order {order.id} is {order.status}, not awaiting payment")
        db.session.get(PaymentNotification, taken).outcome = "processed"
    _after_commit(result)
    return result.order
