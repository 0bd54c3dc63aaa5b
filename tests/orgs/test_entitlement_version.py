"""Issue 11 item 4: every change an entitlement is read from stamps the organisation's
version in Postgres, in the change's own transaction (database triggers), and the
entitlement cache is keyed by that version: no path can leave a stale answer behind."""

import pytest
from sqlalchemy import select, text

from idp.extensions import db
from idp.orgs import entitlements as ent
from idp.orgs import subscriptions
from idp.storage.models import Organization


def _version(org_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(Organization.entitlement_version)
                             .where(Organization.id == org_id))


def _sql(statement: str, **params) -> None:
    db.session.execute(text(statement), params)
    db.session.commit()


CHANGES = {
    "subscription status": "UPDATE subscriptions SET status = 'cancelled'",
    "subscription deleted": "DELETE FROM subscriptions",
    "period": "UPDATE subscription_periods SET \"end\" = \"end\"",
    "period deleted": "DELETE FROM subscription_periods",
    "plan": "UPDATE plans SET products = '[\"asset\"]' WHERE code = 'duo'",
    "product": "UPDATE products SET name = 'B' WHERE code = 'building'",
    "role": "UPDATE memberships SET role = 'admin' WHERE role = 'member'",
    "member removed": "DELETE FROM memberships WHERE role = 'member'",
    "member added": "INSERT INTO memberships (organization_id, user_id, role, created_at) "
                    "SELECT :org, id, 'member', now() FROM users WHERE id NOT IN "
                    "(SELECT user_id FROM memberships)",
    "renamed": "UPDATE organizations SET name = 'Renamed'",
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_of_the_records_bumps_the_version(plans, org_with, person, change):
    org_id, _ = org_with(2)
    person("spare")
    subscriptions.start(org_id, "duo")
    before = _version(org_id)
    _sql(CHANGES[change], org=org_id)
    assert _version(org_id) > before


def test_what_an_entitlement_does_not_read_leaves_the_version_alone(plans, org_with):
    from idp.orgs.selection import remember_choice

    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "duo")
    other, _ = org_with(1)
    before, unrelated = _version(org_id), _version(other)
    remember_choice(uid, org_id)  # the picker's memory (memberships.last_chosen_at)
    _sql("UPDATE organizations SET billing_email = 'ap@example.com'")
    _sql("UPDATE plans SET tier = 7 WHERE code = 'suite'")  # nobody is on suite
    assert (_version(org_id), _version(other)) == (before, unrelated)


def test_a_plan_change_bumps_only_the_organisations_on_it(plans, org_with):
    on_duo, _ = org_with(1)
    on_suite, _ = org_with(1)
    subscriptions.start(on_duo, "duo")
    subscriptions.start(on_suite, "suite")
    duo, suite = _version(on_duo), _version(on_suite)
    _sql("UPDATE plans SET tier = 5 WHERE code = 'duo'")
    assert _version(on_duo) == duo + 1 and _version(on_suite) == suite


def test_a_change_behind_the_services_back_is_seen_at_once(plans, org_with):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    assert ent.resolve(uid, org_id).products == ("building",)
    _sql("UPDATE plans SET products = '[\"asset\"]' WHERE code = 'starter'")
    assert ent.resolve(uid, org_id).products == ("asset",)


def test_sqlite_has_the_same_triggers(tmp_path):
    from idp.orgs.organizations import create_organization
    from idp.storage import migrate
    from idp.storage.models import Product
    from tests.conftest import make_embedded_app

    app = make_embedded_app(tmp_path)
    with app.app_context():
        migrate.upgrade()
        names = set(db.session.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        from idp.storage import triggers

        assert set(triggers.names()) <= names
        org = create_organization("Lite")
        before = _version(org.id)
        db.session.add(Product(code="extra", name="Extra", audience="https://extra.example"))
        db.session.commit()
        assert _version(org.id) == before + 1
        db.session.remove()
        db.engine.dispose()
