"""The entitlement function: every product × plan × status, the clock, seats, claims, audiences."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from idp import clock
from idp.extensions import db
from idp.orgs import entitlements as ent
from idp.orgs import subscriptions
from idp.storage.models import Subscription

PRODUCTS = ("building", "project", "asset")
PLANS = {"starter": ("building",), "duo": ("building", "project"),
         "suite": ("building", "project", "asset")}
STATUS_REASONS = {"pending": "payment_pending", "past_due": "past_due", "expired": "expired",
                  "cancelled": "cancelled", "active": None}


def _set_status(org_id, status):
    db.session.execute(update(Subscription).where(Subscription.organization_id == org_id)
                       .values(status=status))
    db.session.commit()  # the trigger bumps the entitlement version: no cache step


@pytest.mark.parametrize("status", list(STATUS_REASONS))
@pytest.mark.parametrize("plan", list(PLANS))
@pytest.mark.parametrize("product", PRODUCTS)
def test_gate_for_every_product_plan_and_status(plans, org_with, product, plan, status):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, plan)
    _set_status(org_id, status)
    decision = ent.check_product(ent.resolve(uid, org_id), product)
    if status == "active":
        assert decision.allowed is (product in PLANS[plan])
        assert decision.reason == (None if product in PLANS[plan] else "product_not_in_plan")
    else:
        assert not decision.allowed and decision.reason == STATUS_REASONS[status]
    assert decision.description == "" if decision.allowed else decision.description


def test_allowed_entitlement_carries_plan_products_limits_role(plans, org_with):
    org_id, (uid,) = org_with(1)
    sub = subscriptions.start(org_id, "starter")
    e = ent.resolve(uid, org_id)
    assert e.allowed and e.status == "active" and e.role == "owner" and e.seat
    assert (e.plan_code, e.plan_name, e.plan_tier) == ("starter", "Starter", 1)
    assert e.products == ("building",) and e.limits["seats"] == 2 and e.limits["projects"] == 5
    assert e.period_end == sub.current_period_end


def test_period_ending_between_two_calls_counts_as_expired_without_any_job(plans, org_with):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "suite")
    end = ent.resolve(uid, org_id).period_end
    clock.advance((end - clock.now()).total_seconds() - 1)
    assert ent.resolve(uid, org_id).allowed  # one second before the end (served from the cache)
    clock.advance(1)
    late = ent.resolve(uid, org_id)
    assert not late.allowed and late.reason == "expired" and late.status == "expired"
    assert db.session.get(Subscription, 1).status == "active"  # no job touched the row
    decision = ent.check_product(late, "building")
    assert decision.ended_at == end and f"{end:%Y-%m-%d}" in decision.description


def test_resolve_at_a_given_instant(plans, org_with):
    org_id, (uid,) = org_with(1)
    sub = subscriptions.start(org_id, "suite")
    assert ent.resolve(uid, org_id, at=sub.current_period_end - timedelta(seconds=1)).allowed
    assert ent.resolve(uid, org_id, at=sub.current_period_end).reason == "expired"


def test_seat_limit_keeps_the_longest_standing_members(plans, org_with):
    org_id, users = org_with(4)  # no subscription yet: seats are not enforced on add
    subscriptions.start(org_id, "starter")  # 2 seats
    results = [ent.resolve(uid, org_id) for uid in users]
    assert [r.allowed for r in results] == [True, True, False, False]
    assert results[2].reason == "seat_limit" and not results[2].seat and results[2].products == ()


def test_seat_order_is_joining_time_not_id(plans, org_with):
    from idp.storage.models import Membership

    org_id, users = org_with(3)
    # The newest member by id joined first (e.g. imported with its original date).
    db.session.execute(update(Membership).where(Membership.user_id == users[2])
                       .values(created_at=clock.now() - timedelta(days=365)))
    db.session.commit()
    subscriptions.start(org_id, "starter")
    assert [ent.resolve(u, org_id).allowed for u in users] == [True, False, True]


def test_a_removed_member_gives_the_seat_to_the_next_in_line(plans, org_with, email_of):
    from idp.orgs.organizations import remove_member

    org_id, users = org_with(3)
    subscriptions.start(org_id, "starter")
    assert not ent.resolve(users[2], org_id).allowed
    remove_member(org_id, email_of(users[0]))
    assert ent.resolve(users[2], org_id).allowed
    assert ent.resolve(users[0], org_id).reason == "not_a_member"


def test_not_a_member_and_unknown_organisation(plans, org_with, person):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    stranger = person("x")
    assert ent.resolve(stranger, org_id).reason == "not_a_member"
    assert ent.resolve(stranger, 999999).reason == "not_a_member"
    assert ent.resolve(stranger, None).reason == "not_a_member"
    assert ent.resolve(stranger, "1; drop").reason == "not_a_member"
    assert ent.plan_claims(ent.resolve(stranger, org_id)) == {}


def test_no_subscription(org_with):
    org_id, (uid,) = org_with(1)
    e = ent.resolve(uid, org_id)
    assert e.reason == "no_subscription" and e.status == "none"
    assert ent.check_product(e, "building").description == "Your organisation has no subscription."


class _Client:
    def __init__(self, product):
        self.product = product


def test_gate_leaves_the_account_portal_open_but_gives_claims(plans, org_with):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    subscriptions.cancel(org_id)
    portal = ent.gate(uid, _Client(None), org_id)
    assert portal.allowed and ent.plan_claims(portal.entitlement)["org_id"] == org_id
    refused = ent.gate(uid, _Client("building"), org_id)
    assert not refused.allowed and refused.reason == "cancelled"
    assert ent.gate(uid, _Client("building"), None).reason == "no_organization"
    assert ent.gate(uid, _Client(None), None).allowed


def test_plan_claims_have_stable_names(plans, org_with):
    org_id, (uid,) = org_with(1)
    sub = subscriptions.start(org_id, "duo")
    claims = ent.plan_claims(ent.resolve(uid, org_id))
    assert claims == {
        "org_id": org_id, "org_name": claims["org_name"], "org_role": "owner",
        "plan": "duo", "plan_name": "Duo", "plan_tier": 2, "plan_status": "active",
        "products": ["building", "project"],
        "limits": {"seats": 10, "projects": None, "assets": None, "storage_gb": None},
        "plan_period_end": int(sub.current_period_end.timestamp()),
    }


def test_product_audiences(plans, org_with):
    """RFC 8707 narrowing is the OIDC part's: tests/oidc/test_entitlement_tokens.py."""
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "duo")
    e = ent.resolve(uid, org_id)
    both = ["https://building.tomps.example", "https://project.tomps.example"]
    assert ent.product_audiences(e) == both


def test_no_audiences_when_not_entitled(plans, org_with):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "suite")
    subscriptions.cancel(org_id)
    e = ent.resolve(uid, org_id)
    assert ent.product_audiences(e) == []


def test_token_expiry_cap_is_period_end_plus_grace(app, plans, org_with, configure):
    org_id, (uid,) = org_with(1)
    sub = subscriptions.start(org_id, "suite")
    end = int(sub.current_period_end.timestamp())
    assert ent.token_expiry_cap(ent.resolve(uid, org_id)) == end
    configure(entitlement_grace=120)
    assert ent.token_expiry_cap(ent.resolve(uid, org_id)) == end + 120
    subscriptions.cancel(org_id)
    assert ent.token_expiry_cap(ent.resolve(uid, org_id)) is None


def test_error_description_has_only_allowed_characters(plans, org_with):
    from idp.orgs.products import get_product

    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    get_product("asset").name = 'Asset "Pro" \\ ünïcode'
    db.session.commit()
    text = ent.check_product(ent.resolve(uid, org_id), "asset").description
    assert text and '"' not in text and "\\" not in text and all(0x20 <= ord(c) <= 0x7E for c in text)
