"""Fixtures for the orgs part: people, organisations, the three reference plans, signal capture."""

from __future__ import annotations

import secrets

import pytest

from idp.events import entitlements_changed


@pytest.fixture
def person(ctx):
    """Create a person (no password: these tests never log in); return the user id."""
    from idp.accounts.users import create_user

    def make(name: str = "p") -> int:
        return create_user(f"{name}-{secrets.token_hex(3)}@example.com").id

    return make


@pytest.fixture
def email_of(ctx):
    from idp.extensions import db
    from idp.storage.models import User

    return lambda user_id: db.session.get(User, user_id).email


@pytest.fixture
def plans(ctx):
    """starter: Building, 2 seats · duo: Building + Project · suite: all three, no seat limit."""
    from idp.orgs.plans import create_plan

    create_plan("starter", "Starter", ["building"], tier=1, seats=2, projects=5)
    create_plan("duo", "Duo", ["building", "project"], tier=2, seats=10)
    create_plan("suite", "Suite", ["building", "project", "asset"], tier=3, storage_gb=100)
    return {"starter": ("building",), "duo": ("building", "project"),
            "suite": ("building", "project", "asset")}


@pytest.fixture
def org_with(ctx, person, email_of):
    """An organisation with ``n`` members (seat order = creation order); returns (org_id, [user ids])."""
    from idp import clock
    from idp.orgs.organizations import add_member, create_organization

    def make(n: int = 1, name: str | None = None):
        org = create_organization(name or f"Org {secrets.token_hex(3)}")
        users = []
        for i in range(n):
            uid = person(f"m{i}")
            add_member(org.id, email_of(uid), "owner" if i == 0 else "member")
            clock.advance(1)  # distinct joining times
            users.append(uid)
        return org.id, users

    return make


@pytest.fixture
def signals():
    """Capture entitlements_changed sends as a list of kwargs dicts."""
    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    with entitlements_changed.connected_to(receiver):
        yield sent
