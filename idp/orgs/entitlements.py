"""THE entitlement function: what may this person of this organisation use at this moment.

``resolve(user_id, organization_id)`` → ``Entitlement``; everything that puts a plan
into a token or lets a person into a product asks it (DESIGN.md "Entitlement gate").
It reads a snapshot of the records (cached in the shared store, see cache.py) and
judges it against the clock: the plan in force is the plan of the period containing
that instant (timeline.py), so a later period's plan takes effect when it starts, and
an ``active`` subscription whose paid time has ended is expired at that instant,
whether or not a job has updated its row.

The API the OIDC part calls: ``gate(user_id, client, organization_id)`` → Decision,
``plan_claims(entitlement)``, ``product_audiences(entitlement)``,
``token_expiry_cap(entitlement)``. Picking the organisation is selection.py's.
RFC 8707 ``resource`` narrowing is the OIDC part's (oidc/entitlement_gate.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app

from .. import clock
from . import cache, snapshots, timeline

__all__ = ["Decision", "Entitlement", "check_product", "gate", "plan_claims",
           "product_audiences", "resolve", "token_expiry_cap"]

# Why nothing is allowed, in the order they are checked.
NOT_A_MEMBER = "not_a_member"
NO_SUBSCRIPTION = "no_subscription"
PAYMENT_PENDING = "payment_pending"
PAST_DUE = "past_due"
EXPIRED = "expired"
CANCELLED = "cancelled"
SEAT_LIMIT = "seat_limit"
# Reasons only a Decision gives.
PRODUCT_NOT_IN_PLAN = "product_not_in_plan"
NO_ORGANIZATION = "no_organization"
_STATUS_REASONS = {"pending": PAYMENT_PENDING, "past_due": PAST_DUE, "expired": EXPIRED,
                   "cancelled": CANCELLED}


@dataclass(frozen=True)
class Entitlement:
    """What one person of one organisation may use at one instant."""

    user_id: int
    organization_id: int | None
    organization_name: str | None = None
    role: str | None = None  # None: not a member
    status: str = "none"  # effective: none / pending / active / past_due / expired / cancelled
    plan_code: str | None = None
    plan_name: str | None = None
    plan_tier: int | None = None
    plan_products: tuple[str, ...] = ()
    limits: dict = field(default_factory=dict)
    # The run of contiguous periods on this plan around the instant (what the claims say).
    period_start: datetime | None = None
    period_end: datetime | None = None
    # How long a token minted now may live (timeline.py: later periods granting less stop it).
    covered_until: datetime | None = None
    seat: bool = False
    reason: str | None = None  # None when allowed
    catalog: dict = field(default_factory=dict, repr=False)  # code → {name, audience}

    @property
    def allowed(self) -> bool:
        return self.reason is None

    @property
    def products(self) -> tuple[str, ...]:
        """The product codes usable now (none unless allowed)."""
        return self.plan_products if self.allowed else ()


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, tz=UTC) if ts is not None else None


def _snapshot(user_id: int, organization_id: int, version: int | None = None,
              cached: str | None = None) -> dict:
    """The snapshot under the organisation's current version (cache.py explains the order).
    ``cached``: the cache entry under ``version`` the caller already read (or None)."""
    if version is None:
        version = cache.version(organization_id)
        if version is None:  # no such organisation
            return snapshots.load(user_id, organization_id)
    snap = json.loads(cached) if cached else cache.get(organization_id, version, user_id)
    if snap is None:
        snap = snapshots.load(user_id, organization_id)
        cache.put(organization_id, version, user_id, snap)
    return snap


def resolve(user_id: int, organization_id: int | None, at: datetime | None = None,
            use_cache: bool = True, version: int | None = None,
            cached: str | None = None) -> Entitlement:
    """Answer what this person of this organisation may use at ``at`` (default: now).

    ``version``: the organisation's ``entitlement_version`` when the caller has just
    read it with another query (it saves the one-row read that checks the cache);
    ``cached``: the cache entry under that version, when the caller read it already.
    """
    if not _valid_id(user_id) or not _valid_id(organization_id):
        return Entitlement(user_id=user_id, organization_id=organization_id, reason=NOT_A_MEMBER)
    if use_cache:
        snap = _snapshot(int(user_id), int(organization_id), version,
                         cached if version is not None else None)
    else:
        snap = snapshots.load(int(user_id), int(organization_id))
    return evaluate(snap, int(user_id), int(organization_id), at or clock.now())


def _valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def evaluate(snap: dict, user_id: int, organization_id: int, at: datetime | None,
             lapse: bool = True) -> Entitlement:
    """Judge a snapshot at ``at``; ``lapse=False`` trusts the stored status (what was granted)."""
    org, member, sub = snap["org"], snap["member"], snap["subscription"]
    base = {"user_id": user_id, "organization_id": organization_id,
                "organization_name": org and org["name"], "catalog": snap["catalog"]}
    if org is None or member is None:
        return Entitlement(**base, reason=NOT_A_MEMBER)
    base["role"] = member["role"]
    if sub is None:
        return Entitlement(**base, reason=NO_SUBSCRIPTION)
    status, plan, start, end, covered = _in_force(sub, at) if lapse else (
        sub["status"], sub["plan"], sub["start"], sub["end"], sub["end"])
    seats = plan["limits"].get("seats")
    seat = seats is None or member["rank"] < seats
    reason = _STATUS_REASONS.get(status) or (None if seat else SEAT_LIMIT)
    return Entitlement(**base, status=status, plan_code=plan["code"], plan_name=plan["name"],
                       plan_tier=plan["tier"], plan_products=tuple(plan["products"]),
                       limits=plan["limits"], period_start=_dt(start), period_end=_dt(end),
                       covered_until=_dt(covered), seat=seat, reason=reason)


def _in_force(sub: dict, at: datetime) -> tuple:
    """(status, plan, start, end, covered_until) at ``at``, judged from the periods.

    A snapshot without periods to run (none left, or records older than periods) is
    judged on its summary: active until its end.
    """
    status, plan, end = sub["status"], sub["plan"], sub["end"]
    if status != "active" or not sub.get("periods"):
        return effective_status(status, end, at), plan, sub["start"], end, end
    found = timeline.in_force(sub["periods"], sub["plans"], at.timestamp())
    if found is None:
        return "expired", plan, sub["start"], end, end
    return status, found.plan, found.start, found.end, found.covered_until


def effective_status(status: str, end: float | None, at: datetime) -> str:
    """An ``active`` subscription whose period has ended is expired at that instant."""
    if status == "active" and (end is None or at.timestamp() >= end):
        return "expired"
    return status


@dataclass(frozen=True)
class Decision:
    """May this person use this product now; when not, why (a reason code and a text)."""

    allowed: bool
    reason: str | None = None
    product: str | None = None
    product_name: str | None = None
    ended_at: datetime | None = None
    entitlement: Entitlement | None = None

    @property
    def description(self) -> str:
        """A text for people and for error_description (RFC 6749 §5.2 characters only)."""
        from .messages import describe

        return describe(self)


def check_product(entitlement: Entitlement, product_code: str) -> Decision:
    """Decide whether the entitlement covers ``product_code``."""
    name = (entitlement.catalog.get(product_code) or {}).get("name") or str(product_code)
    common = {"product": product_code, "product_name": name, "entitlement": entitlement}
    if not entitlement.allowed:
        ended = entitlement.period_end if entitlement.reason == EXPIRED else None
        return Decision(False, entitlement.reason, ended_at=ended, **common)
    if product_code not in entitlement.products:
        return Decision(False, PRODUCT_NOT_IN_PLAN, **common)
    return Decision(True, **common)


def gate(user_id: int, client, organization_id: int | None, at: datetime | None = None,
         version: int | None = None, cached: str | None = None) -> Decision:
    """The entitlement gate of one authorization or refresh for ``client``.

    A client with no ``product`` (the account portal) is not gated; its Decision
    still carries the entitlement for plan claims (None when no organisation).
    ``version``, ``cached``: as for ``resolve``.
    """
    product = getattr(client, "product", None)
    if organization_id is None:
        return Decision(product is None, None if product is None else NO_ORGANIZATION,
                        product=product)
    entitlement = resolve(user_id, organization_id, at, version=version, cached=cached)
    if product is None:
        return Decision(True, entitlement=entitlement)
    return check_product(entitlement, product)


def plan_claims(entitlement: Entitlement | None) -> dict:
    """The plan claims (names documented in README "Plan claims"); {} when not a member."""
    if entitlement is None or entitlement.role is None:
        return {}
    claims = {"org_id": entitlement.organization_id, "org_name": entitlement.organization_name,
              "org_role": entitlement.role, "plan_status": entitlement.status,
              "products": sorted(entitlement.products)}
    if entitlement.plan_code is not None:
        claims.update(plan=entitlement.plan_code, plan_name=entitlement.plan_name,
                      plan_tier=entitlement.plan_tier, limits=_limits(entitlement.limits),
                      plan_period_end=_epoch(entitlement.period_end))
    return claims


def _limits(limits: dict) -> dict:
    return {key: limits.get(key) for key in ("seats", "projects", "assets", "storage_gb")}


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def product_audiences(entitlement: Entitlement) -> list[str]:
    """The access-token audiences: the resource audiences of the entitled products."""
    return [entitlement.catalog[code]["audience"] for code in sorted(entitlement.products)
            if code in entitlement.catalog]


def token_expiry_cap(entitlement: Entitlement | None) -> int | None:
    """The latest ``exp`` (epoch seconds) a token may carry: covered_until + entitlement_grace.

    ``covered_until`` is the end of the period in force, carried on over later
    contiguous periods only while they grant at least as much (timeline.py; reasoning
    in docs/billing.md). None when the entitlement grants nothing (e.g. the account
    portal of a lapsed organisation): such a token encodes no plan, so there is
    nothing to outlive.
    """
    if entitlement is None or not entitlement.allowed:
        return None
    until = entitlement.covered_until or entitlement.period_end
    if until is None:
        return None
    grace = current_app.config["IDP"].entitlement_grace
    return int(until.timestamp()) + int(grace)
