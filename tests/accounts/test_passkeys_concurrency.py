"""Passkey invariants under real concurrency (threads, Postgres + Redis):

- a sign-in ceremony is finished at most once, however many requests race with it;
- in an organisation requiring two-step verification, two removals of a person's last two
  passkeys at once leave one (the row lock on the person serialises check and delete).
"""

from __future__ import annotations

import threading

from idp.accounts import passkeys
from idp.accounts.passkeys import PasskeyError
from idp.extensions import db
from idp.storage.models import Membership, Organization, User
from tests.helpers.webauthn import SoftAuthenticator

ORIGIN = "http://127.0.0.1:5000"
BROWSER = "b" * 64
THREADS = 12


def run_together(app, count, work):
    """Run ``work(n)`` in ``count`` threads released at once; return their results."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def one(n):
        with app.app_context():
            barrier.wait()
            try:
                results[n] = work(n)
            except PasskeyError as exc:
                results[n] = exc.reason
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def register(user_id, authenticator, name):
    person = db.session.get(User, user_id)
    ceremony, options = passkeys.registration_options(person, BROWSER)
    return passkeys.register(person, ceremony, BROWSER, authenticator.create(options), name).id


def test_a_ceremony_is_finished_once_under_a_race(services_app, clean, user):
    app = services_app
    with app.app_context():
        authenticator = SoftAuthenticator(ORIGIN, counter_step=0)  # counters cannot interfere
        register(user["id"], authenticator, "Laptop")
        ceremony, options = passkeys.authentication_options(BROWSER)
        response = authenticator.get(options)

    results = run_together(app, THREADS, lambda n: passkeys.authenticate(
        ceremony, BROWSER, "", response).user.id)
    assert results.count(user["id"]) == 1, results
    assert results.count("expired") == THREADS - 1, results


def test_two_removals_at_once_keep_the_last_factor(services_app, clean, user):
    app = services_app
    with app.app_context():
        ids = [register(user["id"], SoftAuthenticator(ORIGIN), name) for name in ("one", "two")]
        org = Organization(name="Strict", require_totp=True)
        db.session.add(org)
        db.session.flush()
        db.session.add(Membership(organization_id=org.id, user_id=user["id"], role="member"))
        db.session.commit()

    for _ in range(3):  # a few rounds: a lost race shows at once, not once in a while
        results = run_together(app, 2, lambda n: passkeys.remove(user["id"], ids[n])["id"])
        assert sorted(map(str, results)) == sorted([str(i) for i in ids if i in results]
                                                   + ["last_factor"]), results
        with app.app_context():
            left = [p.id for p in passkeys.list_for(user["id"])]
            assert len(left) == 1
            ids = left + [register(user["id"], SoftAuthenticator(ORIGIN), "again")]
