"""A person of a federated organisation signs in with its provider: discovery, the
authorization request, just-in-time creation, membership, linking and matching."""

from __future__ import annotations

from sqlalchemy import func, select

from idp.storage.models import FederatedIdentity, Membership, User
from tests import factories
from tests.federation.conftest import DOMAIN, people, query, sign_in, start
from tests.helpers.web import login


def _session(app, web):
    from idp.sessions import store as sso

    with web.session_transaction() as stored:
        sid = stored.get("sid")
    with app.app_context():
        return sso.get(sid, touch=False) if sid else None


def test_the_email_step_sends_a_federated_domain_upstream_with_pkce_state_nonce_hint(
        app, web, acme, upstream):
    resp = start(web, "Dewi@ACME.example")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith(upstream.url + "/authorize?")
    sent = query(resp.headers["Location"])
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert len(sent["state"]) >= 32 and len(sent["nonce"]) >= 32
    assert sent["login_hint"] == "Dewi@ACME.example"
    assert sent["redirect_uri"] == "http://127.0.0.1:5000/login/federated/callback"
    assert sent["client_id"] == "tomps-at-acme" and "openid" in sent["scope"].split()


def test_other_people_get_the_password_step(app, web, acme, user):
    resp = start(web, user["email"])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'name="password"' in html and 'id="password-step"' in html


def test_first_sign_in_creates_the_person_just_in_time_as_a_member(app, web, acme):
    resp = sign_in(web)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/signed-in")
    person = people(app, "dewi@" + DOMAIN)
    assert person is not None and person.password_hash is None and person.email_verified
    with app.app_context():
        from idp.extensions import db

        role = db.session.scalar(select(Membership.role).where(
            Membership.organization_id == acme, Membership.user_id == person.id))
        identity = db.session.scalar(select(FederatedIdentity))
    assert role == "member"
    assert (identity.subject, identity.user_id, identity.organization_id) == \
        ("acme-0001", person.id, acme)
    live = _session(app, web)
    assert live.user_id == person.id and live.amr == ["fed"]


def test_upstream_amr_values_of_rfc_8176_are_kept_next_to_fed(app, web, acme, upstream):
    upstream.overrides = {"amr": ["pwd", "mfa", "something-private"]}
    sign_in(web)
    assert _session(app, web).amr == ["fed", "pwd", "mfa"]


def test_later_sign_ins_match_by_issuer_and_sub_even_after_an_email_change(app, web, acme,
                                                                           upstream):
    sign_in(web)
    first = people(app, "dewi@" + DOMAIN)
    upstream.person["email"] = "dewi.lestari@" + DOMAIN
    second = app.test_client()
    resp = sign_in(second, email="dewi.lestari@" + DOMAIN)
    assert resp.status_code == 302
    assert _session(app, second).user_id == first.id
    with app.app_context():
        from idp.extensions import db

        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        assert db.session.scalar(select(FederatedIdentity.email)) == "dewi.lestari@" + DOMAIN


def test_an_existing_member_with_the_email_is_linked_not_duplicated(app, web, acme):
    from idp.accounts.users import create_user
    from idp.orgs.organizations import add_member

    with app.app_context():
        existing = create_user("dewi@" + DOMAIN, factories.PASSWORD, email_verified=True)
        add_member(acme, existing.email, "admin")
        existing_id = existing.id
    assert sign_in(web).status_code == 302
    assert _session(app, web).user_id == existing_id
    with app.app_context():
        from idp.extensions import db

        assert db.session.scalar(select(FederatedIdentity.user_id)) == existing_id
        assert db.session.scalar(select(Membership.role).where(
            Membership.user_id == existing_id)) == "admin"  # linking keeps the role


def test_a_person_of_another_organisation_only_is_never_linked(app, web, acme):
    from idp.accounts.users import create_user
    from idp.orgs.organizations import add_member, create_organization

    with app.app_context():
        other = create_organization("Other Ltd")
        create_user("dewi@" + DOMAIN, factories.PASSWORD, email_verified=True)
        add_member(other.id, "dewi@" + DOMAIN)
    resp = sign_in(web)
    assert resp.status_code == 403 and 'data-kind="elsewhere"' in resp.get_data(as_text=True)
    assert _session(app, web) is None
    with app.app_context():
        from idp.extensions import db

        assert db.session.scalar(select(func.count()).select_from(FederatedIdentity)) == 0
        assert db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.organization_id == acme)) == 0


def test_past_the_seats_a_clear_page_and_nothing_created(app, web, upstream):
    from idp.orgs.organizations import add_member, create_organization
    from idp.orgs.plans import create_plan
    from idp.orgs.subscriptions import start as start_subscription
    from tests.federation.conftest import connect

    with app.app_context():
        create_plan("solo", "Solo", ["building"], tier=1, seats=1)
        org = create_organization("Acme")
        start_subscription(org.id, "solo")
        owner = factories.make_user("owner")
        add_member(org.id, owner["email"], "owner")  # the one seat
        connect(org.id, upstream.url)
    resp = sign_in(web)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403 and 'data-kind="no_seat"' in html and "seat" in html
    assert people(app, "dewi@" + DOMAIN) is None
    with app.app_context():
        from idp.extensions import db

        assert db.session.scalar(select(func.count()).select_from(FederatedIdentity)) == 0


def test_enforce_refuses_a_password_for_the_domain(app, web, acme, upstream):
    from idp.accounts.users import create_user
    from idp.orgs.organizations import add_member
    from tests.federation.conftest import connect

    with app.app_context():
        create_user("budi@" + DOMAIN, factories.PASSWORD, email_verified=True)
        add_member(acme, "budi@" + DOMAIN)
    resp = login(web, "budi@" + DOMAIN, factories.PASSWORD)
    assert resp.status_code == 302  # not enforced: the password still works
    with app.app_context():
        connect(acme, upstream.url, enforce=True)
    other = app.test_client()
    resp = login(other, "budi@" + DOMAIN, factories.PASSWORD)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403 and "own identity provider" in html
    assert 'name="password"' not in html
    assert _session(app, other) is None


def test_enforce_message_in_indonesian(app, web, acme, upstream):
    from tests.federation.conftest import connect

    with app.app_context():
        connect(acme, upstream.url, enforce=True)
    page = web.get("/login", headers={"Accept-Language": "id"})
    from tests.helpers.web import csrf_token

    resp = web.post("/login", headers={"Accept-Language": "id"}, data={
        "email": "budi@" + DOMAIN, "password": "whatever", "csrf_token":
        csrf_token(page.get_data(as_text=True))})
    assert resp.status_code == 403 and "penyedia identitas" in resp.get_data(as_text=True)


def test_a_requested_connection_is_not_used_until_approved(app, web, upstream):
    from idp.federation.config import approve, request_federation
    from idp.orgs.organizations import create_organization

    with app.app_context():
        org = create_organization("Acme")
        owner = factories.make_user("owner")
        request_federation(org.id, owner["id"], issuer=upstream.url, client_id="tomps-at-acme",
                           client_secret="upstream-secret", domains=[DOMAIN])
    resp = start(web, "dewi@" + DOMAIN)
    assert resp.status_code == 200 and 'name="password"' in resp.get_data(as_text=True)
    with app.app_context():
        approve(org.id)
    assert start(app.test_client(), "dewi@" + DOMAIN).status_code == 302
