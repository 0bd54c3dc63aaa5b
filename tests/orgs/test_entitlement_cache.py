"""The entitlement cache: used, never read past a change (its key carries the organisation's
version from Postgres), seen by a second instance sharing Redis."""

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
def second_instance(services_app):
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


def _poison(org_id: int, uid: int, name: str = "From the cache") -> None:
    """Rewrite the cached entry so that an answer served from it shows (only the cache has it)."""
    import json

    from idp.orgs import cache
    from idp.storage.store import get_store

    key = f"ent:{org_id}:{cache.version(org_id)}:{uid}"
    entry = json.loads(get_store().get(key))
    entry["subscription"]["plan"]["name"] = name
    for plan in (entry["subscription"].get("plans") or {}).values():  # each period's plan
        plan["name"] = name
    get_store().set(key, json.dumps(entry))
    db.session.rollback()


def test_answer_is_served_from_the_cache(plans, org_with):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    assert ent.resolve(uid, org_id).plan_name == "Starter"
    _poison(org_id, uid)
    assert ent.resolve(uid, org_id).plan_name == "From the cache"
    assert ent.resolve(uid, org_id, use_cache=False).plan_name == "Starter"


def test_cache_entry_expires_after_the_configured_ttl(app, plans, org_with):
    from idp.orgs import cache
    from idp.storage.store import get_store

    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    ent.resolve(uid, org_id)
    ttl = get_store().ttl(f"ent:{org_id}:{cache.version(org_id)}:{uid}")
    assert 0 < ttl <= app.config["IDP"].entitlement_cache_ttl


def test_an_entry_of_an_older_version_is_never_read(plans, org_with):
    """The version lives in Postgres: whatever Redis still holds, a change moves past it."""
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    ent.resolve(uid, org_id)
    _poison(org_id, uid)
    _behind_the_back("UPDATE plans SET products = '[\"asset\"]' WHERE code = 'starter'")
    fresh = ent.resolve(uid, org_id)
    assert fresh.products == ("asset",) and fresh.plan_name == "Starter"


def test_plan_change_is_seen_at_once_by_a_second_instance(app, second_instance, plans, org_with):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    assert _on(second_instance, uid, org_id).products == ("building",)
    subscriptions.change_plan(org_id, "duo")  # on the first instance
    assert _on(second_instance, uid, org_id).products == ("building", "project")
    # Even a change made behind the services' back: the database stamps the version.
    _behind_the_back("UPDATE subscription_periods "
                     "SET plan_id = (SELECT id FROM plans WHERE code = 'suite')")
    assert _on(second_instance, uid, org_id).products == ("building", "project", "asset")


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
    _poison(org_id, users[1])  # only a new version makes this entry go unread...
    assert _on(second_instance, users[1], org_id).plan_name == "From the cache"
    CHANGES[change](org_id, users, email_of, newcomer)  # ...which every change brings.
    assert _on(second_instance, users[1], org_id).plan_name != "From the cache"


def test_plan_update_invalidates_every_organisation_on_it(second_instance, plans, org_with):
    first, (a,) = org_with(1)
    second, (b,) = org_with(1)
    subscriptions.start(first, "duo")
    subscriptions.start(second, "duo")
    assert _on(second_instance, a, first).allowed and _on(second_instance, b, second).allowed
    plan_service.update_plan("duo", products=["building"])
    assert _on(second_instance, a, first).products == ("building",)
    assert _on(second_instance, b, second).products == ("building",)
