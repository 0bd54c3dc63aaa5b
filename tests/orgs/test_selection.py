"""Which organisation: one → automatic; several → hint, last choice, or the picker."""

import pytest

from idp import clock
from idp.orgs import organizations as orgs
from idp.orgs.errors import OrgError
from idp.orgs.selection import default_organization, organizations_for, remember_choice


@pytest.fixture
def member_of(ctx, person, email_of):
    def make(*names):
        uid = person()
        ids = []
        for name in names:
            org = orgs.find_organization(name) or orgs.create_organization(name)
            orgs.add_member(org.id, email_of(uid))
            ids.append(org.id)
        return uid, ids

    return make


def test_no_organisation(ctx, person):
    assert default_organization(person()) is None


def test_one_organisation_is_chosen_automatically(member_of):
    uid, (acme,) = member_of("Acme")
    assert default_organization(uid) == acme
    assert default_organization(uid, hint="Someone Else") == acme


def test_several_need_a_hint_or_a_last_choice(member_of):
    uid, (acme, beta) = member_of("Acme", "Beta")
    assert [o.name for o in organizations_for(uid)] == ["Acme", "Beta"]
    assert default_organization(uid) is None
    assert default_organization(uid, hint="Beta") == beta
    assert default_organization(uid, hint=str(acme)) == acme
    remember_choice(uid, beta)
    assert default_organization(uid) == beta
    clock.advance(5)
    remember_choice(uid, acme)
    assert default_organization(uid) == acme
    assert default_organization(uid, hint="Beta") == beta


def test_a_hint_naming_a_foreign_organisation_is_ignored(member_of):
    uid, _ = member_of("Acme", "Beta")
    _, (foreign,) = member_of("Gamma")
    assert default_organization(uid, hint="Gamma") is None
    assert default_organization(uid, hint=str(foreign)) is None


def test_remember_choice_only_for_own_organisations(member_of):
    uid, _ = member_of("Acme")
    _, (foreign,) = member_of("Gamma")
    with pytest.raises(OrgError):
        remember_choice(uid, foreign)
