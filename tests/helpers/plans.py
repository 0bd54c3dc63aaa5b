"""Plans, organisations and subscriptions for tests that drive the entitlement gate.

Built through the orgs services (their caches and signals are part of what is tested).
Call inside an app context.
"""

from __future__ import annotations

import secrets

PLANS = {"starter": ("building",), "duo": ("building", "project"),
         "suite": ("building", "project", "asset")}
STATUSES = ("active", "pending", "past_due", "expired", "cancelled", "none")


def make_plans() -> dict:
    """starter: Building · duo: Building + Project · suite: all three (tiers 1-3)."""
    from idp.orgs.plans import create_plan

    for tier, (code, products) in enumerate(PLANS.items(), start=1):
        create_plan(code, code.title(), list(products), tier=tier, seats=10)
    return PLANS


def make_org(email: str, plan: str | None = "suite", status: str = "active",
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
