"""The plan catalogue: active plans as people and scripts see them."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import IdPError
from ..extensions import db
from ..storage.models import Plan, Product
from . import content
from .markdown import render


class CatalogueError(IdPError):
    """Bad catalogue query; the message is safe to show."""


def active_plans(product: str | None = None) -> list[Plan]:
    """Active plans by tier then price, optionally only those including ``product``."""
    if product is not None and db.session.get(Product, product[:32]) is None:
        raise CatalogueError(f"unknown product {product[:40]!r}")
    plans = db.session.scalars(select(Plan).where(Plan.active.is_(True))
                               .order_by(Plan.tier, Plan.price, Plan.code))
    return [p for p in plans if product is None or product in (p.products or [])]


def get_active_plan(code: str) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.code == code[:64], Plan.active.is_(True)))


def describe(plan: Plan, locale: str = "en") -> dict:
    """The public JSON shape of a plan (GET /api/plans)."""
    description = content.plan_description(plan.code, locale)
    return {"code": plan.code, "name": plan.name, "tier": plan.tier,
            "products": list(plan.products or []), "limits": dict(plan.limits or {}),
            "price": str(plan.price), "currency": plan.currency,
            "period_days": plan.period_days, "description": description,
            "description_html": str(render(description))}
