"""The TOTP service: sealed secrets, ±1 step, no replay, single-use recovery codes."""

import threading

import pyotp
import pytest

from idp import clock
from idp.accounts import totp
from idp.extensions import db
from idp.orgs.errors import OrgError
from idp.orgs.organizations import require_totp
from idp.storage.models import Membership, Organization, TotpCredential

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def enrolled(user_id):
    secret = totp.pending_secret(user_id)
    codes = totp.confirm_enrolment(user_id, pyotp.TOTP(secret).at(clock.timestamp()))
    return secret, codes


def next_code(secret, steps=1):
    return pyotp.TOTP(secret).at(clock.timestamp() + 30 * steps)


def test_wrong_enrolment_code_stores_nothing(ctx, user):
    totp.pending_secret(user["id"])
    assert totp.confirm_enrolment(user["id"], "000000") is None
    assert not totp.has_totp(user["id"])


def test_enrolment_stores_the_secret_sealed_and_ten_recovery_codes(ctx, user):
    secret, codes = enrolled(user["id"])
    assert len(codes) == 10 and len(set(codes)) == 10
    row = db.session.get(TotpCredential, user["id"])
    assert secret not in row.secret_sealed and row.secret_sealed.startswith("v1.")
    from idp.storage.models import RecoveryCode

    hashes = [r.code_hash for r in db.session.query(RecoveryCode).all()]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(c in h for c in codes for h in hashes)


def test_enrolment_code_cannot_be_replayed_at_login(ctx, user):
    secret = totp.pending_secret(user["id"])
    code = pyotp.TOTP(secret).at(clock.timestamp())
    totp.confirm_enrolment(user["id"], code)
    assert totp.verify(user["id"], code) == "replay"


def test_a_code_works_once(ctx, user):
    secret, _ = enrolled(user["id"])
    code = next_code(secret)
    assert totp.verify(user["id"], code) == "totp"
    assert totp.verify(user["id"], code) == "replay"


def test_one_step_of_drift_is_accepted_two_are_not(ctx, user):
    secret, _ = enrolled(user["id"])
    assert totp.verify(user["id"], next_code(secret, 2)) is None
    assert totp.verify(user["id"], next_code(secret, 1)) == "totp"


def test_an_older_step_than_the_last_used_is_refused(ctx, user):
    secret, _ = enrolled(user["id"])
    clock.advance(90)
    assert totp.verify(user["id"], next_code(secret, 0)) == "totp"
    assert totp.verify(user["id"], next_code(secret, -1)) == "replay"


def test_concurrent_use_of_one_code_succeeds_once(app, clean, user):
    with app.app_context():
        secret, _ = enrolled(user["id"])
        code = next_code(secret)
    results = []

    def attempt():
        with app.app_context():
            results.append(totp.verify(user["id"], code))

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("totp") == 1 and results.count("replay") == 9


def test_recovery_code_works_once(ctx, user):
    _, codes = enrolled(user["id"])
    assert totp.verify(user["id"], codes[3]) == "recovery"
    assert totp.verify(user["id"], codes[3]) is None
    assert totp.unused_recovery_codes(user["id"]) == 9


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "x" * 65, None, "00000-00000"])
def test_malformed_codes_are_refused(ctx, user, code):
    enrolled(user["id"])
    assert totp.verify(user["id"], code) is None


def test_required_for_members_of_a_requiring_org(ctx, user):
    org = Organization(name="Acme")
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(organization_id=org.id, user_id=user["id"]))
    db.session.commit()
    assert not totp.required_for(user["id"])
    require_totp(org.id, True)  # the organisation's policy is the orgs part's
    assert totp.required_for(user["id"])
    require_totp("acme", False)
    assert not totp.required_for(user["id"])


def test_require_totp_refuses_an_unknown_org(ctx):
    with pytest.raises(OrgError, match="no organisation"):
        require_totp(999999, True)


def test_rewrap_reseals_under_a_new_kek(ctx, user):
    import os

    from flask import current_app

    secret, _ = enrolled(user["id"])
    old = current_app.extensions["idp.kek"]
    new = os.urandom(32)
    assert totp.rewrap(old, new) == 1
    current_app.extensions["idp.kek"] = new
    try:
        assert totp.verify(user["id"], next_code(secret)) == "totp"
    finally:
        current_app.extensions["idp.kek"] = old
