"""Real threads against the one-transaction person step: a double-submitted first sign-in
makes one person, and the last seat goes to one newcomer only."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from idp.storage.models import FederatedIdentity, Membership, User
from tests import factories
from tests.federation.conftest import DOMAIN


def _race(app, calls):
    from idp.federation.errors import FederationFailure

    barrier, results = threading.Barrier(len(calls)), []

    def one(call):
        with app.app_context():
            barrier.wait()
            try:
                results.append(call().id)
            except FederationFailure as failure:
                results.append(failure.kind)

    threads = [threading.Thread(target=one, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _count(app, model, *where):
    from idp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_first_sign_in_submitted_twice_at_once_makes_one_person(app, acme, upstream):
    from idp.federation.signin import person

    claims = {"sub": "acme-0001", "email": "dewi@" + DOMAIN, "email_verified": True}
    results = _race(app, [lambda: person(acme, upstream.url, claims, claims["email"])] * 4)
    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert _count(app, User) == 1 and _count(app, FederatedIdentity) == 1
    assert _count(app, Membership, Membership.organization_id == acme) == 1


def test_the_last_seat_goes_to_one_newcomer_only(app, upstream, clean):
    from idp.federation.signin import person
    from idp.orgs.organizations import create_organization
    from idp.orgs.plans import create_plan
    from idp.orgs.subscriptions import start
    from tests.federation.conftest import connect

    with app.app_context():
        create_plan("pair", "Pair", ["building"], tier=1, seats=2)
        org = create_organization("Acme")
        start(org.id, "pair")
        owner = factories.make_user("owner")
        from idp.orgs.organizations import add_member

        add_member(org.id, owner["email"], "owner")  # one of the two seats
        connect(org.id, upstream.url)
        org_id = org.id

    def newcomer(i):
        claims = {"sub": f"acme-{i}", "email": f"p{i}@{DOMAIN}", "email_verified": True}
        return lambda: person(org_id, upstream.url, claims, claims["email"])

    results = _race(app, [newcomer(i) for i in range(4)])
    assert sorted(r for r in results if isinstance(r, str)) == ["no_seat"] * 3
    assert _count(app, Membership, Membership.organization_id == org_id) == 2
    assert _count(app, FederatedIdentity) == 1 and _count(app, User) == 2  # nothing half-made
