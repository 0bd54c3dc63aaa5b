"""idp users passkeys list|remove EMAIL."""

from __future__ import annotations

import pytest

from tests.helpers.webauthn import SoftAuthenticator

ORIGIN = "http://127.0.0.1:5000"


@pytest.fixture
def with_passkeys(app, user):
    """Two passkeys of ``user`` ("Laptop", "Phone"); returns their rows as dicts."""
    from idp.accounts import passkeys
    from idp.extensions import db
    from idp.storage.models import User

    rows = []
    with app.app_context():
        person = db.session.get(User, user["id"])
        for name in ("Laptop", "Phone"):
            ceremony, options = passkeys.registration_options(person, "b" * 64)
            row = passkeys.register(person, ceremony, "b" * 64,
                                    SoftAuthenticator(ORIGIN).create(options), name)
            rows.append(passkeys.describe(row))
    return rows


def test_list_as_json_and_as_a_table(run, run_json, user, with_passkeys):
    listed = run_json("users", "passkeys", "list", user["email"])
    assert [p["name"] for p in listed] == ["Laptop", "Phone"]
    assert listed[0]["credential_id"] == with_passkeys[0]["credential_id"]
    assert set(listed[0]) >= {"id", "credential_id", "name", "created_at", "last_used_at",
                              "locked_at", "sign_count", "transports"}
    code, out, _ = run("users", "passkeys", "list", user["email"])
    assert code == 0 and "Laptop" in out and "Phone" in out


def test_remove_by_name_or_credential_id(app, run, run_json, user, with_passkeys):
    from idp.audit import search

    gone = run_json("users", "passkeys", "remove", user["email"], "Laptop", "--yes")
    assert gone["removed"]["name"] == "Laptop"
    code, out, _ = run("users", "passkeys", "remove", user["email"],
                       with_passkeys[1]["credential_id"], "--yes")
    assert code == 0 and "Phone" in out
    assert run_json("users", "passkeys", "list", user["email"]) == []
    with app.app_context():
        assert [e.reason for e in search(type="passkey.removed")] == ["operator", "operator"]


def test_bad_input_is_one_line_and_changes_nothing(run, run_json, user, with_passkeys):
    code, _, err = run("users", "passkeys", "remove", user["email"], "Tablet", "--yes")
    assert code == 1 and "no passkey 'Tablet'" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("users", "passkeys", "list", "nobody@example.com")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert len(run_json("users", "passkeys", "list", user["email"])) == 2


def test_a_name_shared_by_two_passkeys_needs_the_credential_id(app, run, user, with_passkeys):
    from idp.accounts import passkeys

    with app.app_context():
        passkeys.rename(user["id"], with_passkeys[1]["id"], "Laptop")
    code, _, err = run("users", "passkeys", "remove", user["email"], "Laptop", "--yes")
    assert code == 1 and "credential id" in err
