"""The plan catalogue as people and scripts see it: the public shape of an offered plan.

Which plans are offered is the orgs part's answer (``orgs.plans.list_plans`` and
``get_plan(..., offered=True)``); this adds the description from the content files.
"""

from __future__ import annotations

from ..orgs.products import list_products
from ..storage.models import Plan
from . import content
from .markdown import render


def describe(plan: Plan, locale: str = "en") -> dict:
    """The public JSON shape of a plan (GET /api/plans)."""
    description = content.plan_description(plan.code, locale)
    names = {product.code: product.name for product in list_products()}
    return {"code": plan.code, "name": plan.name, "tier": plan.tier,
            "products": list(plan.products or []),
            # What people read: "Tomps Building", not the code "building".
            "product_names": [names.get(code, code) for code in plan.products or []],
            "limits": dict(plan.limits or {}),
            "price": str(plan.price), "currency": plan.currency,
            "period_days": plan.period_days, "description": description,
            "description_html": str(render(description))}
