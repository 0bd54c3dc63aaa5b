"""The audit trail of subscriptions: one ``subscription.changed`` row per change.

The row is staged in the change's own transaction (``audit.stage``): it commits with the
change or not at all, so the log never shows a change that did not happen. Its detail:

- ``action``: start, pending, change_plan, extend, cancel, expire, past_due (operator and
  worker moves); paid, mark_paid, refund (payments); period_started (the worker noting
  that a later period's plan took effect at its boundary);
- ``actor``: ``{"kind": "person", "user_id": N}``, ``{"kind": "operator"}`` (the ``idp``
  command line), ``{"kind": "gateway", "gateway": "midtrans"}``, ``{"kind": "worker"}``;
- ``before`` / ``after``: ``{status, plan, period_end}`` — the plan in force and the
  paid-through end (``before`` is null when the subscription is new);
- ``order_id`` and ``period`` (``{start, end, plan}``) when a period was added or cancelled,
  plus what the action needs (``days``, ``reference``, ``ordered_by``...).

``idp audit search --type subscription.changed`` lists them.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from .. import audit
from ..storage.models import Subscription, SubscriptionPeriod

EVENT = "subscription.changed"


@dataclass(frozen=True)
class Actor:
    """Who made a change: a person, the operator's command line, a gateway, the worker."""

    kind: str
    user_id: int | None = None
    gateway: str | None = None

    def detail(self) -> dict:
        found = {"kind": self.kind}
        if self.user_id is not None:
            found["user_id"] = self.user_id
        if self.gateway is not None:
            found["gateway"] = self.gateway
        return found


OPERATOR = Actor("operator")
WORKER = Actor("worker")


def person(user_id: int) -> Actor:
    return Actor("person", user_id=user_id)


def gateway(name: str) -> Actor:
    return Actor("gateway", gateway=name)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def state(sub: Subscription | None) -> dict | None:
    """What a change is measured by: status, plan in force, paid-through end."""
    if sub is None:
        return None
    return {"status": sub.status, "plan": sub.plan.code, "period_end": _iso(sub.current_period_end)}


def _period(session, period: SubscriptionPeriod) -> dict:
    from ..storage.models import Plan

    plan = session.get(Plan, period.plan_id)
    return {"start": _iso(period.start), "end": _iso(period.end), "plan": plan.code}


def record(session, sub: Subscription, action: str, actor: Actor, before: dict | None, *,
           period: SubscriptionPeriod | None = None, **extra) -> None:
    """Stage the ``subscription.changed`` row of one change in the caller's transaction."""
    session.flush()
    detail = {"action": action, "actor": actor.detail(), "organization_id": sub.organization_id,
              "subscription_id": sub.id, "before": before, "after": state(sub), **extra}
    if period is not None:
        detail["period"] = _period(session, period)
    if actor.kind == "operator":
        detail["os_user"] = _os_user()
    audit.stage(EVENT, user_id=actor.user_id, outcome="success", reason=action, detail=detail)


def _os_user() -> str | None:
    try:
        return getpass.getuser()[:64]
    except (OSError, KeyError, ImportError):
        return None
