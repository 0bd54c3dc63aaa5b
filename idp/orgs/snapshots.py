"""The facts an entitlement is computed from, read from Postgres as plain JSON-able dicts.

A snapshot holds no judgement about time: whether a period has ended, and which
period's plan is in force, is decided when it is evaluated (entitlements.py,
timeline.py), so a cached snapshot stays right until the organisation's records
change — which invalidates it — across every period boundary in between. The one
cut made when reading: periods already over are left out (they cannot contain any
later instant).
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from .. import clock
from ..extensions import db
from ..storage.models import (
    Membership,
    Organization,
    Plan,
    Product,
    Subscription,
    SubscriptionPeriod,
)
from .current import subscription_of


def _ts(value) -> float | None:
    return value.timestamp() if value is not None else None


def _plan(plan: Plan) -> dict:
    return {"code": plan.code, "name": plan.name, "tier": plan.tier,
            "products": list(plan.products or []), "limits": dict(plan.limits or {})}


def _subscription(sub: Subscription | None) -> dict | None:
    """The stored summary (``plan``, ``start``, ``end``: what was granted as recorded) and
    the live periods still to run, each with its own plan (``periods``, ``plans``).
    ``periods`` is None when none is left to run: the summary then tells the whole story."""
    if sub is None:
        return None
    rows = db.session.execute(select(SubscriptionPeriod.start, SubscriptionPeriod.end, Plan)
                              .join(Plan, Plan.id == SubscriptionPeriod.plan_id)
                              .where(SubscriptionPeriod.subscription_id == sub.id,
                                     SubscriptionPeriod.cancelled_at.is_(None),
                                     SubscriptionPeriod.end > clock.now())
                              .order_by(SubscriptionPeriod.start, SubscriptionPeriod.id)).all()
    periods = [{"start": _ts(start), "end": _ts(end), "plan": plan.code}
               for start, end, plan in rows]
    return {"status": sub.status, "start": _ts(sub.current_period_start),
            "end": _ts(sub.current_period_end), "plan": _plan(sub.plan),
            "periods": periods or None,
            "plans": {plan.code: _plan(plan) for _, _, plan in rows}}


def catalog() -> dict:
    """Every product: code → {name, audience}."""
    return {p.code: {"name": p.name, "audience": p.audience}
            for p in db.session.scalars(select(Product).order_by(Product.code))}


def _rank(membership: Membership) -> int:
    """How many members of the organisation joined before this one (seat order)."""
    earlier = or_(Membership.created_at < membership.created_at,
                  and_(Membership.created_at == membership.created_at,
                       Membership.id < membership.id))
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organization_id == membership.organization_id, earlier))


def build(org, membership, rank, sub, products) -> dict:
    member = None if membership is None else {"role": membership.role, "rank": rank}
    return {"org": None if org is None else {"id": org.id, "name": org.name},
            "member": member, "subscription": _subscription(sub), "catalog": products}


def load(user_id: int, organization_id: int) -> dict:
    """The snapshot of one person in one organisation."""
    org = db.session.get(Organization, organization_id)
    if org is None:
        return build(None, None, 0, None, {})
    membership = db.session.scalar(select(Membership).where(
        Membership.organization_id == organization_id, Membership.user_id == user_id))
    rank = _rank(membership) if membership is not None else 0
    return build(org, membership, rank, subscription_of(organization_id), catalog())


def load_all(organization_id: int) -> dict[int, dict]:
    """Snapshots of every member of an organisation (user_id → snapshot), in few queries."""
    org = db.session.get(Organization, organization_id)
    if org is None:
        return {}
    members = db.session.scalars(select(Membership).where(
        Membership.organization_id == organization_id).order_by(Membership.created_at, Membership.id))
    sub, products = subscription_of(organization_id), catalog()
    return {m.user_id: build(org, m, rank, sub, products) for rank, m in enumerate(members)}
