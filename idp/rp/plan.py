"""Plan helpers: what the person's plan lets them do, read from the token's plan claims.

The claims contract (README "Plan claims", docs/relying-parties.md;
names are stable). The IdP puts them in access tokens whenever it resolved an
organisation, and in ID tokens for first-party clients and the ``plan`` scope:

============== ========== ====================================================
claim          type       meaning
============== ========== ====================================================
org_id         integer    the organisation the person acts for
org_name       string     its display name
org_role       string     ``owner``, ``admin`` or ``member``
plan_status    string     ``active``, ``pending``, ``past_due``, ``expired``,
                          ``cancelled`` or ``none`` (no subscription)
products       [string]   products usable now (``building``, ``project``,
                          ``asset``, sorted); empty unless ``plan_status`` is
                          ``active`` and the person holds a seat
plan           string     plan code, e.g. ``suite``
plan_name      string     display name
plan_tier      integer    rank (higher is bigger)
limits         object     ``seats``, ``projects``, ``assets``, ``storage_gb``:
                          integers, ``null`` for unlimited
plan_period_end integer   end of the paid period (epoch seconds)
============== ========== ====================================================

``org_*``, ``plan_status`` and ``products`` are present whenever the person is
a member; ``plan*`` and ``limits`` when the organisation has (or had) a
subscription; a non-member gets none of them.

``require_product("project", claims)`` raises ``NotEntitled`` unless the plan
includes Project now; ``limit("projects", claims)`` returns the limit
(``None``: unlimited; ``0`` when the plan grants nothing at all — an absent or
inactive plan never reads as "unlimited").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import NotEntitled

PRODUCT_NAMES = {"building": "Tomps Building", "project": "Tomps Project", "asset": "Tomps Asset"}
LIMITS = ("seats", "projects", "assets", "storage_gb")
ACTIVE = "active"


def _typed(value, kind, default=None):
    return value if isinstance(value, kind) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class Plan:
    """The plan claims of one token, typed; malformed values read as absent."""

    org_id: int | None = None
    org_name: str | None = None
    org_role: str | None = None
    status: str = "none"
    products: tuple[str, ...] = ()
    code: str | None = None
    name: str | None = None
    tier: int | None = None
    limits: dict = field(default_factory=dict)
    period_end: int | None = None

    @classmethod
    def from_claims(cls, claims: dict) -> Plan:
        products = claims.get("products")
        limits = claims.get("limits")
        return cls(
            org_id=_typed(claims.get("org_id"), int), org_name=_typed(claims.get("org_name"), str),
            org_role=_typed(claims.get("org_role"), str),
            status=_typed(claims.get("plan_status"), str, "none"),
            products=tuple(p for p in products if isinstance(p, str))
            if isinstance(products, list) else (),
            code=_typed(claims.get("plan"), str), name=_typed(claims.get("plan_name"), str),
            tier=_typed(claims.get("plan_tier"), int),
            # Only an explicit null is unlimited; a malformed value grants nothing.
            limits={k: None if v is None else _typed(v, int, 0) for k, v in limits.items()
                    if k in LIMITS} if isinstance(limits, dict) else {},
            period_end=_typed(claims.get("plan_period_end"), int))

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def includes(self, product: str) -> bool:
        """Whether the person may use ``product`` now."""
        return self.active and product in self.products

    def require_product(self, product: str) -> Plan:
        """Return self when ``product`` is included now; raise NotEntitled saying why."""
        if self.includes(product):
            return self
        raise NotEntitled(product, self.refusal(product), self.status)

    def refusal(self, product: str) -> str:
        """Why ``product`` is not usable, as a sentence for people."""
        name = PRODUCT_NAMES.get(product, product)
        if self.org_id is None:
            return "You are not a member of an organisation with a Tomps plan."
        if self.status == "none":
            return f"{self.org_name or 'Your organisation'} has no Tomps subscription."
        if not self.active:
            return f"Your organisation's plan is not active ({self.status.replace('_', ' ')})."
        return f"{name} is not included in your organisation's plan."

    def limit(self, name: str) -> int | None:
        """The plan's limit ``name`` (seats, projects, assets, storage_gb): None is unlimited."""
        if name not in LIMITS:
            raise ValueError(f"unknown limit {name!r}; one of {', '.join(LIMITS)}")
        if not self.active or name not in self.limits:
            return 0  # no plan, or a limit the claims do not state: nothing, never "unlimited"
        return self.limits[name]

    def allows_more(self, name: str, current: int) -> bool:
        """Whether one more item fits under limit ``name`` when ``current`` exist."""
        cap = self.limit(name)
        return cap is None or current < cap


def require_product(product: str, claims: dict) -> Plan:
    """Raise NotEntitled unless ``claims`` let the person use ``product`` now; return the Plan."""
    return Plan.from_claims(claims).require_product(product)


def limit(name: str, claims: dict) -> int | None:
    """The plan limit ``name`` in ``claims`` (None: unlimited; 0: the plan grants nothing)."""
    return Plan.from_claims(claims).limit(name)
