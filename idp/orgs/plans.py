"""Plans: what a subscription buys — products, limits, price, period length."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..storage.models import Plan, Product, Subscription
from ..storage.transaction import transaction
from .changes import watch
from .errors import OrgError
from .products import get_product

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")  # ISO 4217
LIMITS = ("seats", "projects", "assets", "storage_gb")
MAX_PERIOD_DAYS = 3660


def find_plan(code) -> Plan | None:
    """THE plan lookup, by code (anything that is not a plan code finds nothing)."""
    if isinstance(code, Plan):
        return code
    if not isinstance(code, str) or not CODE_RE.match(code):
        return None
    return db.session.scalar(select(Plan).where(Plan.code == code))


def get_plan(code, offered: bool = False) -> Plan:
    """``find_plan``, or OrgError; ``offered``: refuse a deactivated plan too (new orders
    and subscriptions; what runs on it already is not affected)."""
    plan = find_plan(code)
    if plan is None:
        raise OrgError(f"no plan {str(code)[:64]!r}")
    if offered and not plan.active:
        raise OrgError(f"plan {plan.code} is no longer offered")
    return plan


def list_plans(include_inactive: bool = True, product: str | None = None) -> list[Plan]:
    """Plans by tier, price and code; optionally only offered ones, or those including
    ``product`` (an unknown product is an OrgError)."""
    query = select(Plan).order_by(Plan.tier, Plan.price, Plan.code)
    plans = db.session.scalars(query if include_inactive else query.where(Plan.active))
    if product is None:
        return list(plans)
    code = get_product(product).code
    return [plan for plan in plans if code in (plan.products or [])]


def _products(products) -> list[str]:
    if isinstance(products, str):
        products = [p.strip() for p in products.split(",")]
    codes = list(dict.fromkeys(p for p in products or () if p))
    if not codes:
        raise OrgError("a plan needs at least one product")
    known = set(db.session.scalars(select(Product.code)))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise OrgError(f"unknown product(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return codes


def _count(name: str, value, low: int = 0, high: int = 10**9) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise OrgError(f"{name.replace('_', '-')} must be a whole number from {low} to {high}")
    return value


# A price per period above this is a typo (an extra zero or three), not a plan.
MAX_PRICE = Decimal(10) ** 10
# Currencies without a minor unit at the gateway: whole amounts only (Midtrans: rupiah).
WHOLE_CURRENCIES = frozenset({"IDR", "JPY", "KRW", "VND"})


def _iso_4217() -> frozenset[str]:
    """The ISO 4217 codes (CLDR's list, from Babel), less the testing/no-currency codes."""
    try:
        from babel.numbers import list_currencies
    except ImportError:  # pragma: no cover - Babel is a dependency
        return frozenset({"IDR", "USD", "EUR", "SGD", "MYR", "JPY", "AUD", "GBP", "CNY"})
    return frozenset(list_currencies()) - {"XXX", "XTS"}


CURRENCIES = _iso_4217()


def currency_code(value) -> str:
    """An ISO 4217 code in any case (``idr`` → ``IDR``), or OrgError."""
    code = str(value or "").strip().upper()
    if not CURRENCY_RE.match(code) or code not in CURRENCIES:
        raise OrgError(f"currency {str(value)[:16]!r} is not an ISO 4217 code (such as IDR)")
    return code


def _price(value, currency: str | None = None) -> Decimal:
    try:
        price = Decimal(str(value).strip().replace("_", ""))
    except InvalidOperation:
        raise OrgError(f"price must be a number: {str(value)[:40]!r}") from None
    if not price.is_finite() or price < 0 or price != price.quantize(Decimal("0.01")):
        raise OrgError("price must be a non-negative amount with at most 2 decimals")
    if price >= MAX_PRICE:
        raise OrgError(f"price {price} is absurd (at most {MAX_PRICE - 1} per period)")
    if currency in WHOLE_CURRENCIES and price != price.to_integral_value():
        raise OrgError(f"price in {currency} must be a whole amount")
    return price


def _fields(changes: dict, currency: str | None = None) -> dict:
    """Validate the given plan fields (None = not given); limits are merged by the caller.
    Every mistake is reported, together, in one OrgError."""
    out, problems = {}, []

    def check(name, func, *args):
        try:
            out[name] = func(*args)
        except OrgError as exc:
            problems.append(str(exc))

    if changes.get("name") is not None:
        name = changes["name"].strip()
        if not name or len(name) > 200:
            problems.append("name must be 1 to 200 characters")
        else:
            out["name"] = name
    if changes.get("products") is not None:
        check("products", _products, changes["products"])
    if changes.get("tier") is not None:
        check("tier", _count, "tier", changes["tier"], 0, 1000)
    if changes.get("period_days") is not None:
        check("period_days", _count, "period_days", changes["period_days"], 1, MAX_PERIOD_DAYS)
    if changes.get("currency") is not None:
        check("currency", currency_code, changes["currency"])
    if changes.get("price") is not None:
        check("price", _price, changes["price"], out.get("currency") or currency or "IDR")
    for key in LIMITS:
        if changes.get(key) is not None:
            try:
                _count(key, changes[key], 1 if key == "seats" else 0)
            except OrgError as exc:
                problems.append(str(exc))
    if problems:
        raise OrgError("; ".join(problems))
    return out


def _limits(current: dict, changes: dict) -> dict:
    limits = {key: (current or {}).get(key) for key in LIMITS}
    for key in LIMITS:
        if key in changes and changes[key] is not None:
            limits[key] = _count(key, changes[key], 1 if key == "seats" else 0)
    return limits


def create_plan(code: str, name: str, products, *, problems: list[str] | None = None,
                **options) -> Plan:
    """Create a plan; options: tier, period_days, price, currency, seats, projects, assets,
    storage_gb. Every mistake is reported together (one OrgError), with the caller's own
    ``problems`` first (nothing is created then)."""
    problems = list(problems or [])
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append("code must be 1-64 lowercase letters, digits, '-' or '_'")
    elif find_plan(code) is not None:
        problems.append(f"a plan with code {code!r} already exists")
    try:
        fields = _fields({"name": name or "", "products": products, **options})
    except OrgError as exc:
        problems.append(str(exc))
    if problems:
        raise OrgError("; ".join(problems))
    plan = Plan(code=code, limits=_limits({}, options), **fields)
    try:
        with transaction() as session:
            session.add(plan)
    except IntegrityError:
        raise OrgError(f"a plan with code {code!r} already exists") from None
    return plan


def organizations_on(plan: Plan) -> list[int]:
    return list(db.session.scalars(select(Subscription.organization_id)
                                   .where(Subscription.plan_id == plan.id).distinct()))


def update_plan(code: str, **changes) -> Plan:
    """Change a plan in place; every organisation on it sees the change (and lost products are announced)."""
    plan = get_plan(code)
    fields = _fields(changes, plan.currency)
    limits = _limits(plan.limits, changes)
    with watch(organizations_on(plan), "downgraded"), transaction():
        for key, value in fields.items():
            setattr(plan, key, value)
        plan.limits = limits
    return plan


def deactivate_plan(code: str) -> Plan:
    """Offer the plan no more: no new subscriptions on it; current ones run to their end."""
    plan = get_plan(code)
    with watch(organizations_on(plan), "downgraded"), transaction():
        plan.active = False
    return plan


def describe(plan: Plan) -> dict:
    return {"code": plan.code, "name": plan.name, "tier": plan.tier, "products": list(plan.products),
            **{key: (plan.limits or {}).get(key) for key in LIMITS},
            "period_days": plan.period_days, "price": str(plan.price), "currency": plan.currency,
            "active": plan.active}
