"""argon2id hashing and rehash-on-login."""

import pytest

from idp.accounts.authenticate import authenticate
from idp.accounts.users import UserError, create_user, find_by_email
from idp.crypto.hashing import hash_password, needs_rehash

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def test_hash_is_argon2id(ctx):
    assert hash_password("a long password").startswith("$argon2id$")


def test_rehash_on_login_when_parameters_change(ctx, user):
    stored = find_by_email(user["email"])
    from argon2 import PasswordHasher

    stored.password_hash = PasswordHasher(time_cost=1, memory_cost=4096, parallelism=1).hash(
        user["password"])
    from idp.extensions import db

    db.session.commit()
    assert needs_rehash(stored.password_hash)
    assert authenticate(user["email"], user["password"]) is not None
    assert not needs_rehash(find_by_email(user["email"]).password_hash)


def test_duplicate_email_differing_in_case_is_refused(ctx, user):
    with pytest.raises(UserError, match="already exists"):
        create_user(user["email"].upper(), "another password")


def test_short_password_is_refused(ctx):
    with pytest.raises(UserError, match="at least"):
        create_user("short@example.com", "abc")
    assert find_by_email("short@example.com") is None


def test_bad_email_is_refused(ctx):
    with pytest.raises(UserError, match="not a valid email"):
        create_user("not-an-email", "a long password")
