"""The passkey rules (idp/accounts/passkeys.py) against py_webauthn's verification, with
responses crafted by a software authenticator (tests/helpers/webauthn.py)."""

from __future__ import annotations

import time

import pytest

from idp.accounts import passkeys
from idp.accounts.passkeys import PasskeyError
from idp.audit import search
from idp.extensions import db
from idp.storage.models import Membership, Organization, Passkey, User
from idp.storage.store import get_store
from tests.helpers.webauthn import SoftAuthenticator, b64u

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)

ORIGIN = "http://127.0.0.1:5000"  # conf/test.toml's issuer
BROWSER = "b" * 64  # a browser binding (the SHA-256 hex the web layer passes)
OTHER_BROWSER = "c" * 64


def person(user) -> User:
    return db.session.get(User, user["id"])


def registered(user, authenticator=None, name="Laptop", **create) -> tuple[SoftAuthenticator, Passkey]:
    authenticator = authenticator or SoftAuthenticator(ORIGIN)
    ceremony, options = passkeys.registration_options(person(user), BROWSER)
    row = passkeys.register(person(user), ceremony, BROWSER,
                            authenticator.create(options, **create), name)
    return authenticator, row


def sign_in(authenticator, interaction="", browser=BROWSER, **get):
    ceremony, options = passkeys.authentication_options(browser, interaction)
    return passkeys.authenticate(ceremony, browser, interaction, authenticator.get(options, **get))


def refused(reason, call, *args, **kwargs):
    with pytest.raises(PasskeyError) as caught:
        call(*args, **kwargs)
    assert caught.value.reason == reason, caught.value.detail
    return caught.value


# --- the ceremonies' options ----------------------------------------------------------------

def test_options_ask_for_a_discoverable_credential_with_user_verification(ctx, user):
    _, options = passkeys.registration_options(person(user), BROWSER)
    assert options["rp"] == {"id": "127.0.0.1", "name": "Tomps"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["requireResidentKey"] is True
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["user"]["name"] == user["email"] and options["attestation"] == "none"
    _, request = passkeys.authentication_options(BROWSER)
    assert request["userVerification"] == "required" and request["rpId"] == "127.0.0.1"
    assert request.get("allowCredentials", []) == []  # username-less: the authenticator offers


def test_a_challenge_lives_at_most_five_minutes(ctx):
    ceremony, _ = passkeys.authentication_options(BROWSER)
    assert 0 < get_store().ttl(f"webauthn:{ceremony}") <= 300


# --- registration, sign-in ------------------------------------------------------------------

def test_register_then_sign_in_gives_two_factors(ctx, user):
    authenticator, row = registered(user)
    assert row.name == "Laptop" and row.sign_count == 0 and row.locked_at is None
    assert row.transports == ["internal", "hybrid"] and not row.backup_eligible
    done = sign_in(authenticator, "")
    assert done.user.id == user["id"]
    assert done.amr == ["hwk", "user", "mfa"] and done.acr == "phr"
    stored = db.session.get(Passkey, row.id)
    db.session.refresh(stored)
    assert stored.sign_count == 1 and stored.last_used_at is not None
    assert [e.type for e in search(user_id=user["id"])] == ["passkey.registered", "passkey.used"]


def test_a_synced_passkey_is_a_software_key(ctx, user):
    authenticator, row = registered(user, synced=True)
    assert row.backup_eligible
    assert sign_in(authenticator).amr == ["swk", "user", "mfa"]


def test_an_authenticator_without_a_counter_keeps_working(ctx, user):
    authenticator, _ = registered(user, SoftAuthenticator(ORIGIN, counter_step=0))
    for _ in range(3):
        assert sign_in(authenticator).user.id == user["id"]


def test_every_passkey_of_a_person_shares_one_user_handle(ctx, user):
    _, first = registered(user, name="one")
    _, second = registered(user, name="two")
    assert first.user_handle == second.user_handle
    assert user["email"] not in first.user_handle


def test_registering_refuses_wrong_origin_rp_id_or_missing_verification(ctx, user):
    for bend in ({"origin": "http://evil.example"}, {"rp_id": "evil.example"}, {"uv": False}):
        ceremony, options = passkeys.registration_options(person(user), BROWSER)
        refused("invalid", passkeys.register, person(user), ceremony, BROWSER,
                SoftAuthenticator(ORIGIN).create(options, **bend), "x")
    assert passkeys.list_for(user["id"]) == []


def test_a_registration_ceremony_is_for_its_person_and_browser(ctx, user):
    from tests import factories

    other = factories.make_user("bob")
    ceremony, options = passkeys.registration_options(person(user), BROWSER)
    refused("elsewhere", passkeys.register, db.session.get(User, other["id"]), ceremony, BROWSER,
            SoftAuthenticator(ORIGIN).create(options), "x")
    ceremony, options = passkeys.registration_options(person(user), BROWSER)
    refused("elsewhere", passkeys.register, person(user), ceremony, OTHER_BROWSER,
            SoftAuthenticator(ORIGIN).create(options), "x")
    assert passkeys.list_for(user["id"]) == [] and passkeys.list_for(other["id"]) == []


# --- the challenge --------------------------------------------------------------------------

def test_a_replayed_challenge_is_refused(ctx, user):
    authenticator, _ = registered(user)
    ceremony, options = passkeys.authentication_options(BROWSER)
    response = authenticator.get(options)
    passkeys.authenticate(ceremony, BROWSER, "", response)
    refused("expired", passkeys.authenticate, ceremony, BROWSER, "", response)
    # A fresh assertion over the used challenge too (a higher counter, a valid signature).
    refused("expired", passkeys.authenticate, ceremony, BROWSER, "", authenticator.get(options))


def test_an_expired_challenge_is_refused(ctx, user):
    authenticator, _ = registered(user)
    ceremony, options = passkeys.authentication_options(BROWSER)
    get_store().expire(f"webauthn:{ceremony}", 1)
    time.sleep(1.2)
    refused("expired", passkeys.authenticate, ceremony, BROWSER, "", authenticator.get(options))


def test_a_challenge_from_another_browser_or_interaction_is_refused(ctx, user):
    authenticator, _ = registered(user)
    ceremony, options = passkeys.authentication_options(BROWSER, "interaction-1")
    refused("elsewhere", passkeys.authenticate, ceremony, OTHER_BROWSER, "interaction-1",
            authenticator.get(options))
    ceremony, options = passkeys.authentication_options(BROWSER, "interaction-1")
    refused("elsewhere", passkeys.authenticate, ceremony, BROWSER, "interaction-2",
            authenticator.get(options))
    ceremony, options = passkeys.authentication_options(BROWSER, "interaction-1")
    refused("elsewhere", passkeys.authenticate, ceremony, None, "interaction-1",
            authenticator.get(options))
    # A refused ceremony is spent: the right browser cannot finish it afterwards either.
    refused("expired", passkeys.authenticate, ceremony, BROWSER, "interaction-1",
            authenticator.get(options))


def test_a_registration_challenge_cannot_sign_in(ctx, user):
    authenticator, _ = registered(user)
    ceremony, options = passkeys.registration_options(person(user), BROWSER)
    refused("expired", passkeys.authenticate, ceremony, BROWSER, "",
            authenticator.get({"challenge": options["challenge"]}))


# --- the assertion --------------------------------------------------------------------------

@pytest.mark.parametrize("bend", [{"origin": "http://127.0.0.1:5001"},
                                  {"origin": "https://evil.example"},
                                  {"rp_id": "evil.example"}, {"uv": False}, {"up": False},
                                  {"forge": True}, {"user_handle": b"someone else"}],
                         ids=["other-port", "wrong-origin", "wrong-rp-id", "uv-missing",
                              "up-missing", "bad-signature", "user-handle"])
def test_a_bent_assertion_is_refused(ctx, user, bend):
    authenticator, row = registered(user)
    refused("invalid", sign_in, authenticator, **bend)
    db.session.refresh(row)
    assert row.locked_at is None and row.sign_count == 0
    assert search(type="passkey.failed")[0].reason == "invalid"


def test_an_unknown_credential_is_refused(ctx, user):
    registered(user)
    stranger = SoftAuthenticator(ORIGIN)
    ceremony, options = passkeys.registration_options(person(user), BROWSER)
    stranger.create(options)  # made, never sent to us
    refused("unknown", sign_in, stranger)


def test_a_removed_passkey_is_refused(ctx, user):
    authenticator, row = registered(user)
    passkeys.remove(user["id"], row.id)
    refused("unknown", sign_in, authenticator)
    assert search(type="passkey.removed")[0].user_id == user["id"]


def test_a_sign_count_regression_locks_the_passkey(ctx, user):
    authenticator, row = registered(user)
    sign_in(authenticator)
    sign_in(authenticator)  # counter 2
    clone = authenticator.credentials[next(iter(authenticator.credentials))]
    refused("cloned", sign_in, authenticator, credential=clone, sign_count=2)
    db.session.refresh(row)
    assert row.locked_at is not None and row.sign_count == 2
    [event] = search(type="passkey.locked")
    assert event.user_id == user["id"] and event.reason == "sign_count_regression"
    assert event.detail["stored_count"] == 2 and event.detail["reported_count"] == 2
    # Locked from then on, even with a higher counter from the genuine authenticator.
    refused("locked", sign_in, authenticator, sign_count=50)
    assert not passkeys.has_passkey(user["id"])


def test_a_forged_low_counter_does_not_lock_anyone_out(ctx, user):
    # The signature is checked before the counter: without the key, no lock.
    authenticator, row = registered(user)
    sign_in(authenticator, sign_count=10)
    refused("invalid", sign_in, authenticator, sign_count=1, forge=True)
    db.session.refresh(row)
    assert row.locked_at is None
    assert sign_in(authenticator, sign_count=11).user.id == user["id"]


def test_a_disabled_person_cannot_sign_in(ctx, user):
    authenticator, _ = registered(user)
    person(user).disabled = True
    db.session.commit()
    refused("disabled", sign_in, authenticator)


# --- names, removal and the organisation's policy -------------------------------------------

def test_rename_and_find(ctx, user):
    _, row = registered(user, name="  Work\x00 laptop  ")
    assert row.name == "Work laptop"
    passkeys.rename(user["id"], row.id, "Phone")
    assert passkeys.find(user["id"], "Phone").id == row.id
    assert passkeys.find(user["id"], row.credential_id).id == row.id
    refused("name_missing", passkeys.rename, user["id"], row.id, "   ")


def require_two_steps(user_id):
    org = Organization(name="Strict", require_totp=True)
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(organization_id=org.id, user_id=user_id, role="member"))
    db.session.commit()


def test_the_last_second_factor_stays_where_the_organisation_requires_one(ctx, user):
    _, first = registered(user, name="one")
    _, second = registered(user, name="two")
    require_two_steps(user["id"])
    passkeys.remove(user["id"], first.id)
    refused("last_factor", passkeys.remove, user["id"], second.id)
    assert [p.id for p in passkeys.list_for(user["id"])] == [second.id]
    # The operator may (a lost device); the policy then asks for a factor at next sign-in.
    passkeys.remove(user["id"], second.id, by="operator", enforce_policy=False)
    assert passkeys.list_for(user["id"]) == []


def test_a_locked_passkey_is_no_factor_and_can_always_go(ctx, user):
    authenticator, row = registered(user)
    require_two_steps(user["id"])
    sign_in(authenticator, sign_count=5)
    refused("cloned", sign_in, authenticator, sign_count=5)
    passkeys.remove(user["id"], row.id)
    assert passkeys.list_for(user["id"]) == []


def test_without_the_policy_the_last_passkey_can_go(ctx, user):
    _, row = registered(user)
    passkeys.remove(user["id"], row.id)
    assert passkeys.list_for(user["id"]) == []


def test_the_audit_log_never_holds_key_material(ctx, user):
    registered(user)
    for event in search(user_id=user["id"]):
        text = str(event.detail)
        assert "public_key" not in text and "credential" not in text


def test_user_handle_is_base64url(ctx, user):
    _, row = registered(user)
    assert b64u(bytes.fromhex("00")) == "AA" and "=" not in row.user_handle
