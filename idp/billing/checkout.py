"""Checkout: a Midtrans Snap payment page for an order awaiting payment.

``checkout(order, finish_url, person)`` asks Snap for a transaction
(gateways/midtrans_api.create_snap_transaction) and returns its ``redirect_url``. The
token is stored on the order with its expiry and reused while valid (another click, the
CLI's ``orders checkout``), so one order has one Snap transaction. The order row is
locked (``FOR UPDATE``) while Snap answers: two clicks at once wait for one another and
the second reuses the first's token; the call is bounded by ``midtrans_timeout``. A
failure raises GatewayUnavailable and leaves the order as it was.

Nothing here moves the order: only a notification confirmed by Get Status
(payments.py) or finance's ``mark-paid`` does.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..i18n import N_
from ..storage.models import Order, Organization, Plan, User
from ..storage.transaction import transaction
from .gateways.midtrans_api import SNAP_TOKEN_LIFETIME_HOURS, create_snap_transaction
from .orders import OrderError, get_order

# A token this close to its expiry is not handed out again: the customer needs time to pay.
REUSE_MARGIN = timedelta(hours=1)
_NAME = 50  # Midtrans item_details.name: at most 50 characters


def checkout(order: Order | int | str, finish_url: str, person: User | None = None) -> str:
    """The Snap ``redirect_url`` for an order awaiting payment (OrderError otherwise)."""
    order_id = order.id if isinstance(order, Order) else get_order(order).id
    settings = current_app.config["IDP"]
    with transaction() as session:
        found = session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                               .execution_options(populate_existing=True))
        if found.status != "awaiting_payment":
            raise OrderError(N_("Order %(ref)s is %(status)s; it cannot be paid."),
                             ref=found.gateway_order_id, status=found.status.replace("_", " "))
        if found.amount <= 0:
            raise OrderError("Order %(ref)s has nothing to pay.", ref=found.gateway_order_id)
        now = clock.now()
        if found.snap_token and found.snap_expires_at and found.snap_expires_at - REUSE_MARGIN > now:
            return found.snap_redirect_url
        answer = create_snap_transaction(settings, payload(found, finish_url, person))
        found.snap_token, found.snap_redirect_url = answer["token"], answer["redirect_url"]
        found.snap_expires_at = now + timedelta(hours=SNAP_TOKEN_LIFETIME_HOURS)
        return answer["redirect_url"]


def payload(order: Order, finish_url: str, person: User | None) -> dict:
    """The Snap request body for ``order`` (docs.midtrans.com, Snap "Request Body")."""
    org = db.session.get(Organization, order.organization_id)
    plan = db.session.get(Plan, order.plan_id)
    amount = int(order.amount)  # IDR has no minor unit at Midtrans: whole rupiah
    customer = {"email": (person.email if person else None) or org.billing_email or None,
                "first_name": ((person.given_name if person else None) or org.legal_name
                               or org.name)[:255],
                "last_name": ((person.family_name if person else None) or "")[:255]}
    if org.address or org.legal_name:
        customer["billing_address"] = {
            "first_name": (org.legal_name or org.name)[:255],
            "address": (org.address or "")[:200],
            "country_code": "IDN" if (org.country or "").upper() == "ID" else None}
        customer["billing_address"] = {k: v for k, v in customer["billing_address"].items()
                                       if v}
    customer = {k: v for k, v in customer.items() if v}
    period = f"{plan.period_days} days" if order.kind != "upgrade" else "upgrade, prorated"
    return {
        "transaction_details": {"order_id": order.gateway_order_id, "gross_amount": amount},
        "customer_details": customer,
        "item_details": [{"id": plan.code[:50], "price": amount, "quantity": 1,
                          "name": f"{plan.name} ({period})"[:_NAME]}],
        "callbacks": {"finish": finish_url},
    }
