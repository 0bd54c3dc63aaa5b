"""The entitlement answers from the period containing *now*; a token's ``exp`` never outlives
the plan it encodes (issue 11 item 3; docs/billing.md "Token lifetime at a boundary").

The cap runs to the end of the contiguous run of paid periods only while each later period
grants at least as much (the same products or more, and no limit lower: so
whoever holds a seat now keeps it);
otherwise it stops at the end of the period in force.
"""

from idp import clock
from idp.orgs import entitlements as ent
from idp.orgs import subscriptions


def _cap(uid, org_id):
    return ent.token_expiry_cap(ent.resolve(uid, org_id))


def _end(org_id):
    return int(subscriptions.current_subscription(org_id).current_period_end.timestamp())


def test_renewals_on_the_same_plan_run_the_cap_to_the_last_end(plans, org_with):
    org_id, (uid,) = org_with(1)
    subscriptions.activate_or_extend(org_id, "duo", order_id=1)
    subscriptions.activate_or_extend(org_id, "duo", order_id=2)
    assert _cap(uid, org_id) == _end(org_id)
    assert ent.plan_claims(ent.resolve(uid, org_id))["plan_period_end"] == _end(org_id)


def test_a_next_period_granting_less_stops_the_cap_at_the_boundary(plans, org_with):
    org_id, (uid,) = org_with(1)
    boundary = subscriptions.activate_or_extend(org_id, "duo", order_id=1).current_period_end
    subscriptions.activate_or_extend(org_id, "starter", order_id=2)
    found = ent.resolve(uid, org_id)
    assert found.plan_code == "duo" and found.products == ("building", "project")
    assert _cap(uid, org_id) == int(boundary.timestamp())
    assert ent.plan_claims(found)["plan_period_end"] == int(boundary.timestamp())


def test_a_next_period_granting_more_runs_the_cap_on(plans, org_with):
    from idp.orgs.plans import create_plan

    create_plan("all-in", "All in", ["building", "project", "asset"], tier=4)  # no limits
    org_id, (uid,) = org_with(1)
    subscriptions.activate_or_extend(org_id, "duo", order_id=1)
    subscriptions.activate_or_extend(org_id, "all-in", order_id=2)
    assert ent.resolve(uid, org_id).plan_code == "duo"
    assert _cap(uid, org_id) == _end(org_id)


def test_more_products_but_a_lower_limit_stops_the_cap(plans, org_with):
    org_id, (uid,) = org_with(1)
    boundary = subscriptions.activate_or_extend(org_id, "duo", order_id=1).current_period_end
    subscriptions.activate_or_extend(org_id, "suite", order_id=2)  # 100 GB; duo: unlimited
    assert _cap(uid, org_id) == int(boundary.timestamp())


def test_a_next_plan_with_fewer_seats_or_lower_limits_stops_the_cap(plans, org_with):
    from idp.orgs.plans import create_plan

    create_plan("duo-small", "Duo small", ["building", "project"], tier=2, seats=1)
    org_id, (uid,) = org_with(1)
    boundary = subscriptions.activate_or_extend(org_id, "duo", order_id=1).current_period_end
    subscriptions.activate_or_extend(org_id, "duo-small", order_id=2)
    assert _cap(uid, org_id) == int(boundary.timestamp())


def test_the_answer_switches_at_the_boundary_without_invalidation(plans, org_with):
    org_id, (uid,) = org_with(1)
    boundary = subscriptions.activate_or_extend(org_id, "starter", order_id=1).current_period_end
    subscriptions.activate_or_extend(org_id, "suite", order_id=2)
    assert ent.resolve(uid, org_id).plan_code == "starter"  # now cached
    clock.advance((boundary - clock.now()).total_seconds())
    assert ent.resolve(uid, org_id).plan_code == "suite"
    assert _cap(uid, org_id) == _end(org_id)
