"""The entitlement cache: used, invalidated on every change, seen by a second instance sharing Redis."""

import pytest
from sqlalchemy import text

from idp.extensions import db
from idp.orgs import entitlements as ent
from idp.orgs import organizations, products, subscriptions
from idp.orgs import plans as plan_service


def _behind_the_back(sql: str, **params) -> None:
    """Change the database without going through a service (so no invalidation)."""
    db.session.execute(text(sql), params)
    db.session.commit()


@pytest.fixture(scope="module")
def second_instance(app):
    from tests.conftest import make_app

    other = make_app()
    yield other
    for unsubscribe in other.extensions.get("idp.unsubscribe", []):
        unsubscribe()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _on(app, uid, org_id):
    with app.app_context():
        return ent.resolve(uid, org_id)


def test_answer_is_served_from_the_cache(plans, org_with):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    assert ent.resolve(uid, org_id).products == ("building",)
    _behind_the_back("UPDATE plans SET products = '[\"asset\"]' WHERE code = 'starter'")
    assert ent.resolve(uid, org_id).products == ("building",)  # cached
    assert ent.resolve(uid, org_id, use_cache=False).products == ("asset",)


def test_cache_entry_expires_after_the_configured_ttl(app, plans, org_with):
    from idp.orgs import cache
    from idp.storage.store import get_store

    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    ent.resolve(uid, org_id)
    ttl = get_store().ttl(f"ent:{org_id}:{cache.version(org_id)}:{uid}")
    assert 0 < ttl <= app.config["IDP"].entitlement_cache_ttl


def test_a_lost_version_key_never_resurrects_old_entries(plans, org_with):
    from idp.storage.store import get_store

    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    ent.resolve(uid, org_id)
    _behind_the_back("UPDATE plans SET products = '[\"asset\"]' WHERE code = 'starter'")
    get_store().delete(f"ent:ver:{org_id}")  # evicted, flushed...
    assert ent.resolve(uid, org_id).products == ("asset",)


def test_plan_change_is_seen_at_once_by_a_second_instance(app, second_instance, plans, org_with):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    assert _on(second_instance, uid, org_id).products == ("building",)
    _behind_the_back("UPDATE subscriptions SET plan_id = (SELECT id FROM plans WHERE code = 'suite')")
    assert _on(second_instance, uid, org_id).products == ("building",)  # its cache answers
    subscriptions.change_plan(org_id, "duo")  # on the first instance
    assert _on(second_instance, uid, org_id).products == ("building", "project")


CHANGES = {
    "cancel": lambda org_id, *_: subscriptions.cancel(org_id),
    "expire": lambda org_id, *_: subscriptions.expire(org_id),
    "extend": lambda org_id, *_: subscriptions.extend(org_id, days=5),
    "change_plan": lambda org_id, *_: subscriptions.change_plan(org_id, "suite"),
    "remove_member": lambda org_id, users, email_of, _n: organizations.remove_member(
        org_id, email_of(users[0])),
    "add_member": lambda org_id, users, email_of, newcomer: organizations.add_member(
        org_id, email_of(newcomer)),
    "set_role": lambda org_id, users, email_of, _n: organizations.set_role(
        org_id, email_of(users[1]), "admin"),
    "rename": lambda org_id, *_: organizations.update_organization(org_id, name="Renamed Ltd"),
    "update_plan": lambda *_: plan_service.update_plan("duo", name="Duo 2"),
    "deactivate_plan": lambda *_: plan_service.deactivate_plan("duo"),
    "set_audience": lambda *_: products.set_audience("building", "https://b.example"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_invalidates_the_second_instance(second_instance, plans, org_with, person,
                                                     email_of, change):
    org_id, users = org_with(2)
    subscriptions.start(org_id, "duo")
    assert _on(second_instance, users[1], org_id).plan_tier == 2
    newcomer = person("n")
    # Changed behind the services' back: only an invalidation makes it visible...
    _behind_the_back("UPDATE plans SET tier = 9 WHERE code = 'duo'")
    assert _on(second_instance, users[1], org_id).plan_tier == 2
    CHANGES[change](org_id, users, email_of, newcomer)  # ...which every service change does.
    after = _on(second_instance, users[1], org_id)
    assert after.plan_tier in (9, 3)  # 3: moved to suite


def test_plan_update_invalidates_every_organisation_on_it(second_instance, plans, org_with):
    first, (a,) = org_with(1)
    second, (b,) = org_with(1)
    subscriptions.start(first, "duo")
    subscriptions.start(second, "duo")
    assert _on(second_instance, a, first).allowed and _on(second_instance, b, second).allowed
    plan_service.update_plan("duo", products=["building"])
    assert _on(second_instance, a, first).products == ("building",)
    assert _on(second_instance, b, second).products == ("building",)
