"""Which plan a snapshot's periods put in force at an instant (pure functions, no I/O).

A snapshot (snapshots.py) lists the subscription's live periods as
``{"start": ts, "end": ts, "plan": code}`` with the plans by code. Judging them here, at
lookup time, means a cached snapshot is right on both sides of a period boundary: no job
and no invalidation has to run at the boundary for the answer to switch.

``in_force`` answers three instants for a person:

- the plan of the period containing ``at``, and the run of contiguous periods on that same
  plan around it (``start``, ``end``: what the plan claims say);
- ``covered_until``: how long a token minted now may live. It runs on over later
  contiguous periods only while each grants at least what this one grants (every
  product, and no limit lower — so whoever holds a seat keeps it). A token encodes the
  products (its ``aud``) and the plan's limits; if the next period grants less, a token
  reaching past the boundary would outlive what it encodes, so the cap stops there.
  If the next period grants more, the token understates it and is safe to keep.
"""

from __future__ import annotations

from dataclasses import dataclass

LIMIT_KEYS = ("seats", "projects", "assets", "storage_gb")


@dataclass(frozen=True)
class InForce:
    plan: dict
    start: float
    end: float
    covered_until: float


def in_force(periods: list[dict], plans: dict, at: float) -> InForce | None:
    """The plan in force at ``at`` (epoch seconds), or None when no period contains it."""
    index = next((i for i, p in enumerate(periods) if p["start"] <= at < p["end"]), None)
    if index is None:
        return None
    current = periods[index]
    plan = plans[current["plan"]]
    same = _run(periods, index, lambda p: p["plan"] == current["plan"])
    covered = _run(periods, index, lambda p: grants_at_least(plans[p["plan"]], plan))
    return InForce(plan=plan, start=same[0], end=same[1], covered_until=covered[1])


def _run(periods: list[dict], index: int, keep) -> tuple[float, float]:
    """(start, end) of the contiguous periods around ``index`` for which ``keep`` holds."""
    start, end = periods[index]["start"], periods[index]["end"]
    for period in reversed(periods[:index]):
        if period["end"] < start or not keep(period):
            break
        start = period["start"]
    for period in periods[index + 1:]:
        if period["start"] > end or not keep(period):
            break
        end = max(end, period["end"])
    return start, end


def grants_at_least(later: dict, current: dict) -> bool:
    """Does ``later`` grant everything ``current`` does: every product, no limit lower."""
    if not set(current["products"]) <= set(later["products"]):
        return False
    return all(_no_lower(later["limits"].get(key), current["limits"].get(key))
               for key in LIMIT_KEYS)


def _no_lower(later, current) -> bool:
    """A limit of None means unlimited."""
    if later is None:
        return True
    return current is not None and later >= current
