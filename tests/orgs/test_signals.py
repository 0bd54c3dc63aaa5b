"""entitlements_changed: sent with the right people and lost products when a change removes access."""

from idp import clock
from idp.billing.lifecycle import expire_lapsed
from idp.orgs import organizations, subscriptions
from idp.orgs import plans as plan_service


def test_removing_a_member_announces_everything_they_lose(plans, org_with, email_of, signals):
    org_id, users = org_with(2)
    subscriptions.start(org_id, "duo")
    organizations.remove_member(org_id, email_of(users[1]))
    assert signals == [{"organization_id": org_id, "user_ids": [users[1]],
                        "lost_products": {users[1]: {"building", "project"}},
                        "reason": "member_removed"}]


def test_cancel_announces_every_member(plans, org_with, signals):
    org_id, users = org_with(2)
    subscriptions.start(org_id, "starter")
    subscriptions.cancel(org_id)
    assert signals == [{"organization_id": org_id, "user_ids": sorted(users),
                        "lost_products": {u: {"building"} for u in users}, "reason": "cancelled"}]


def test_expiry_job_announces_the_lapse(plans, org_with, signals):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "suite")
    clock.advance(31 * 86400)
    expire_lapsed(clock.now())  # the worker's expiry job
    assert [(s["reason"], s["lost_products"]) for s in signals] == [
        ("expired", {uid: {"building", "project", "asset"}})]


def test_downgrade_announces_only_the_dropped_products(plans, org_with, signals):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "suite")
    subscriptions.change_plan(org_id, "duo")
    assert [(s["reason"], s["lost_products"]) for s in signals] == [("downgraded", {uid: {"asset"}})]


def test_upgrade_and_extension_announce_nothing(plans, org_with, signals, person, email_of):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    subscriptions.change_plan(org_id, "suite")
    subscriptions.extend(org_id, days=3)
    organizations.add_member(org_id, email_of(person("n")))
    organizations.set_role(org_id, email_of(uid), "admin")
    assert signals == []


def test_plan_update_dropping_a_product_reaches_every_organisation_on_it(plans, org_with, signals):
    first, (a,) = org_with(1)
    second, (b,) = org_with(1)
    other, _ = org_with(1)
    subscriptions.start(first, "duo")
    subscriptions.start(second, "duo")
    subscriptions.start(other, "suite")
    plan_service.update_plan("duo", products=["building"])
    assert sorted((s["organization_id"], s["reason"], str(s["lost_products"])) for s in signals) == [
        (first, "downgraded", str({a: {"project"}})), (second, "downgraded", str({b: {"project"}}))]


def test_fewer_seats_announce_seat_limit_for_the_newest_members(plans, org_with, signals):
    org_id, users = org_with(3)
    subscriptions.start(org_id, "duo")
    plan_service.update_plan("duo", seats=1)
    assert [(s["reason"], s["lost_products"]) for s in signals] == [
        ("seat_limit", {users[1]: {"building", "project"}, users[2]: {"building", "project"}})]


def test_downgrade_to_fewer_seats_splits_the_reasons(plans, org_with, signals):
    org_id, users = org_with(3)
    subscriptions.start(org_id, "suite")  # no seat limit
    subscriptions.change_plan(org_id, "starter")  # building only, 2 seats
    by_reason = {s["reason"]: s["lost_products"] for s in signals}
    assert by_reason == {"downgraded": {users[0]: {"project", "asset"},
                                        users[1]: {"project", "asset"}},
                         "seat_limit": {users[2]: {"building", "project", "asset"}}}


def test_a_failed_change_announces_nothing(plans, org_with, signals):
    import pytest

    from idp.orgs.errors import OrgError

    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    with pytest.raises(OrgError):
        subscriptions.change_plan(org_id, "nope")
    with pytest.raises(OrgError):
        organizations.remove_member(org_id, "nobody@example.com")
    assert signals == []
