"""Everything tests create: people, clients, organisations, plans, subscriptions, orders,
payment notifications. One home for them (the fixtures in tests/conftest.py call these).

Two ways to build an organisation, on purpose:
- ``org_on_plan`` goes through the orgs services (their caches, signals and checks are
  part of what the entitlement tests test);
- ``make_org`` / ``make_plan`` / ``make_member`` write the rows directly, for billing
  tests that must set up states the services would refuse (a renewal for another plan).
Call every function inside an app context.
"""

from __future__ import annotations

import json
import secrets
from decimal import Decimal

PASSWORD = "correct horse battery"
# The Midtrans server key of the tests (the stand-in in tests/helpers/midtrans.py holds it).
SERVER_KEY = "SB-Mid-server-test-key"
# The three reference plans of the entitlement tests (tiers 1-3, ten seats each).
PLANS = {"starter": ("building",), "duo": ("building", "project"),
         "suite": ("building", "project", "asset")}
STATUSES = ("active", "pending", "past_due", "expired", "cancelled", "none")

__all__ = ["PASSWORD", "PLANS", "SERVER_KEY", "STATUSES", "add_order", "amount_of",
           "make_client", "make_member", "make_org", "make_plan", "make_plans", "make_user",
           "midtrans_body", "org_on_plan", "set_status", "subscribe"]


# --- people and clients ---

def make_user(name: str = "alice", password: str | None = PASSWORD, **fields) -> dict:
    """A person with a unique email and a verified address; returns {id, email, password}."""
    from idp.accounts.users import create_user

    fields.setdefault("email_verified", True)
    user = create_user(f"{name}-{secrets.token_hex(3)}@example.com", password,
                       fields.pop("given_name", name.title()), fields.pop("family_name", "Smith"),
                       **fields)
    return {"id": user.id, "email": user.email, "password": password}


def make_client(redirect_uri: str = "https://rp.example/cb", **fields) -> dict:
    """Register a client; returns {client_id, client_secret, redirect_uri, public}."""
    from idp.clients.registry import create_client

    fields.setdefault("redirect_uris", [redirect_uri])
    fields.setdefault("name", "Test RP")
    client, secret = create_client(**fields)
    return {"client_id": client.client_id, "client_secret": secret,
            "redirect_uri": redirect_uri, "public": client.is_public}


# --- organisations through the services ---

def make_plans() -> dict:
    """starter: Building · duo: Building + Project · suite: all three (tiers 1-3)."""
    from idp.orgs.plans import create_plan

    for tier, (code, products) in enumerate(PLANS.items(), start=1):
        create_plan(code, code.title(), list(products), tier=tier, seats=10)
    return PLANS


def org_on_plan(email: str, plan: str | None = "suite", status: str = "active",
                name: str | None = None, role: str = "owner") -> int:
    """An organisation with ``email`` as a member and a subscription in ``status``."""
    from idp.orgs.organizations import add_member, create_organization

    org = create_organization(name or f"Org {secrets.token_hex(3)}")
    add_member(org.id, email, role)
    set_status(org.id, plan, status)
    return org.id


def set_status(org_id: int, plan: str | None, status: str) -> None:
    from idp.orgs import subscriptions

    if status == "none" or plan is None:
        return
    if status == "pending":
        subscriptions.create_pending(org_id, plan)
        return
    subscriptions.start(org_id, plan)
    action = {"past_due": subscriptions.mark_past_due, "expired": subscriptions.expire,
              "cancelled": subscriptions.cancel}.get(status)
    if action:
        action(org_id)


# --- rows written directly (billing) ---

def make_org(name: str | None = None, **fields):
    from idp.extensions import db
    from idp.storage.models import Organization

    org = Organization(name=name or f"org-{secrets.token_hex(3)}", **fields)
    db.session.add(org)
    db.session.commit()
    return org


def make_plan(code: str = "suite", price: str = "150000", period_days: int = 30,
              products=("building", "project", "asset"), active: bool = True, tier: int = 3,
              limits=None):
    from idp.extensions import db
    from idp.storage.models import Plan

    plan = Plan(code=code, name=code.title(), tier=tier, price=Decimal(price), currency="IDR",
                period_days=period_days, products=list(products), active=active,
                limits=limits if limits is not None else {"seats": 25, "projects": None})
    db.session.add(plan)
    db.session.commit()
    return plan


def make_member(org, role: str = "member", email: str | None = None) -> dict:
    from idp.accounts.users import create_user
    from idp.extensions import db
    from idp.storage.models import Membership

    user = create_user(email or f"{role}-{secrets.token_hex(3)}@example.com", PASSWORD,
                       "Ana", "Putri", email_verified=True)
    db.session.add(Membership(organization_id=org.id, user_id=user.id, role=role))
    db.session.commit()
    return {"id": user.id, "email": user.email, "password": PASSWORD}


def subscribe(org, plan):
    """An active subscription for ``org`` starting now (as a paid order would make it)."""
    from idp.orgs.subscriptions import apply_paid_period
    from idp.extensions import db

    period = apply_paid_period(db.session, org.id, plan, None)
    db.session.commit()
    return period


def add_order(org, plan, kind: str = "renewal", user_id: int | None = None):
    """An order awaiting payment, written directly (``create_order`` refuses a renewal for
    another plan; the data model must still be right when one exists, e.g. one ordered
    before an operator's change-plan)."""
    from idp.extensions import db
    from idp.storage.models import Order

    order = Order(organization_id=org.id, plan_id=plan.id, kind=kind, status="awaiting_payment",
                  amount=plan.price, currency=plan.currency, gateway="midtrans",
                  created_by_user_id=user_id,
                  gateway_order_id=f"TOMPS-{org.id}-{secrets.token_hex(6).upper()}")
    db.session.add(order)
    db.session.commit()
    return order


def amount_of(plan) -> str:
    """The gross_amount text Midtrans sends for an order of ``plan``."""
    return f"{plan.price:.2f}"


def midtrans_body(order_ref: str, status: str = "settlement", amount: str = "150000.00",
                  fraud: str | None = "accept", txid: str = "tx-1", key: str = SERVER_KEY,
                  status_code: str = "200", signed_amount: str | None = None, **extra) -> bytes:
    """A Midtrans HTTP notification signed with ``key`` (over ``signed_amount`` if given)."""
    from tests.helpers.midtrans import signature

    body = {"order_id": order_ref, "status_code": status_code, "gross_amount": amount,
            "transaction_status": status, "transaction_id": txid, "fraud_status": fraud,
            "payment_type": "bank_transfer", "currency": "IDR",
            "signature_key": signature(order_ref, status_code, signed_amount or amount, key)}
    body.update(extra)
    return json.dumps(body).encode()
