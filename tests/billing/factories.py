"""Organisations, plans, members and Midtrans notifications for billing tests (built
directly with the models: the orgs services live in another part)."""

from __future__ import annotations

import json
import secrets
from decimal import Decimal

from idp.accounts.users import create_user
from idp.billing.gateways.midtrans import signature
from idp.extensions import db
from idp.storage.models import Membership, Organization, Plan

SERVER_KEY = "SB-Mid-server-test-key"
PASSWORD = "correct horse battery"


def make_org(name: str | None = None, **fields) -> Organization:
    org = Organization(name=name or f"org-{secrets.token_hex(3)}", **fields)
    db.session.add(org)
    db.session.commit()
    return org


def make_plan(code: str = "suite", price: str = "150000", period_days: int = 30,
              products=("building", "project", "asset"), active: bool = True, tier: int = 3,
              limits=None) -> Plan:
    plan = Plan(code=code, name=code.title(), tier=tier, price=Decimal(price), currency="IDR",
                period_days=period_days, products=list(products), active=active,
                limits=limits if limits is not None else {"seats": 25, "projects": None})
    db.session.add(plan)
    db.session.commit()
    return plan


def make_member(org: Organization, role: str = "member", email: str | None = None) -> dict:
    user = create_user(email or f"{role}-{secrets.token_hex(3)}@example.com", PASSWORD,
                       "Ana", "Putri", email_verified=True)
    db.session.add(Membership(organization_id=org.id, user_id=user.id, role=role))
    db.session.commit()
    return {"id": user.id, "email": user.email, "password": PASSWORD}


def midtrans_body(order_ref: str, status: str = "settlement", amount: str = "150000.00",
                  fraud: str | None = "accept", txid: str = "tx-1", key: str = SERVER_KEY,
                  status_code: str = "200", signed_amount: str | None = None, **extra) -> bytes:
    """A Midtrans HTTP notification signed with ``key`` (over ``signed_amount`` if given)."""
    body = {"order_id": order_ref, "status_code": status_code, "gross_amount": amount,
            "transaction_status": status, "transaction_id": txid, "fraud_status": fraud,
            "payment_type": "bank_transfer", "currency": "IDR",
            "signature_key": signature(order_ref, status_code, signed_amount or amount, key)}
    body.update(extra)
    return json.dumps(body).encode()


def subscribe(org: Organization, plan: Plan):
    """An active subscription for ``org`` starting now (as a paid order would make it)."""
    from idp.orgs.subscriptions import apply_paid_period

    period = apply_paid_period(db.session, org.id, plan, None)
    db.session.commit()
    return period


def wait_subscribed(channel: str, timeout: float = 3.0) -> None:
    """Block until some Redis listener subscribed to ``channel`` (pub/sub drops earlier ones)."""
    import time

    from idp.storage.store import get_store

    store = get_store()
    name = store.prefix + channel
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dict(store.client.pubsub_numsub(name)).get(name):
            return
        time.sleep(0.01)
    raise AssertionError(f"nobody subscribed to {channel}")


def add_order(org: Organization, plan: Plan, kind: str = "renewal", user_id: int | None = None):
    """An order awaiting payment, written directly (``create_order`` refuses a renewal for
    another plan; the data model must still be right when one exists, e.g. one ordered
    before an operator's change-plan)."""
    from idp.storage.models import Order

    order = Order(organization_id=org.id, plan_id=plan.id, kind=kind, status="awaiting_payment",
                  amount=plan.price, currency=plan.currency, gateway="midtrans",
                  created_by_user_id=user_id,
                  gateway_order_id=f"TOMPS-{org.id}-{secrets.token_hex(6).upper()}")
    db.session.add(order)
    db.session.commit()
    return order


def amount_of(plan: Plan) -> str:
    """The gross_amount text Midtrans sends for an order of ``plan``."""
    return f"{plan.price:.2f}"
