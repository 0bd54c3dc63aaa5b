"""require_product and limit read the plan claims (README "Plan claims") and never guess."""

from __future__ import annotations

import pytest

from idp.rp import NotEntitled, Plan, limit, require_product

DUO = {"org_id": 42, "org_name": "Acme", "org_role": "member", "plan": "duo", "plan_name": "Duo",
       "plan_tier": 2, "plan_status": "active", "products": ["building", "project"],
       "limits": {"seats": 10, "projects": None, "assets": 0, "storage_gb": None},
       "plan_period_end": 1798243200}


def test_a_product_in_the_plan_is_allowed():
    plan = require_product("project", DUO)
    assert plan.org_name == "Acme" and plan.code == "duo" and plan.tier == 2
    assert plan.includes("building") and plan.period_end == 1798243200


@pytest.mark.parametrize("claims, product, sentence", [
    (DUO, "asset", "Tomps Asset is not included in your organisation's plan."),
    ({**DUO, "plan_status": "expired", "products": []}, "project", "not active (expired)"),
    ({**DUO, "plan_status": "past_due", "products": []}, "project", "not active (past due)"),
    ({**DUO, "plan_status": "none", "products": []}, "project", "has no Tomps subscription"),
    ({}, "project", "not a member of an organisation"),
    # A malformed claim never grants anything.
    ({**DUO, "products": "building project"}, "project", "not included"),
    ({**DUO, "plan_status": "ACTIVE"}, "project", "not active"),
])
def test_a_product_outside_the_plan_is_refused_saying_why(claims, product, sentence):
    with pytest.raises(NotEntitled) as caught:
        require_product(product, claims)
    assert sentence in caught.value.description
    assert caught.value.product == product


def test_limits_read_null_as_unlimited_and_never_guess():
    assert limit("seats", DUO) == 10
    assert limit("projects", DUO) is None  # null: unlimited
    assert limit("assets", DUO) == 0
    assert limit("projects", {**DUO, "plan_status": "expired"}) == 0  # an ended plan grants nothing
    assert limit("projects", {}) == 0
    assert limit("seats", {**DUO, "limits": {"seats": "lots"}}) == 0  # malformed: nothing
    assert limit("seats", {**DUO, "limits": {}}) == 0  # unstated: nothing
    with pytest.raises(ValueError, match="unknown limit"):
        limit("buildings", DUO)


def test_allows_more_counts_against_the_limit():
    plan = Plan.from_claims(DUO)
    assert plan.allows_more("seats", 9) and not plan.allows_more("seats", 10)
    assert plan.allows_more("projects", 10**6)
    assert not plan.allows_more("assets", 0)
