"""The account's sign-in pages: an owner's request (waits for the operator), and the
organisation's sign-in audit showing each member's method."""

from __future__ import annotations

from tests import factories
from tests.federation.conftest import DOMAIN, sign_in
from tests.helpers.web import csrf_token, login


def _owner(app, org_id, role="owner"):
    from idp.orgs.organizations import add_member

    with app.app_context():
        person = factories.make_user(role)
        add_member(org_id, person["email"], role)
    return person


def _org(app, name="Acme"):
    from idp.orgs.organizations import create_organization

    from idp.orgs.plans import find_plan

    with app.app_context():
        if find_plan("suite") is None:
            factories.make_plans()
        org = create_organization(name)
        factories.set_status(org.id, "suite", "active")
        return org.id


def test_an_owner_requests_a_connection_that_waits_for_the_operator(app, web, clean):
    org_id = _org(app)
    owner = _owner(app, org_id)
    login(web, owner["email"], owner["password"])
    page = web.get(f"/account/sign-in?org={org_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/login/federated/callback" in html
    resp = web.post("/account/sign-in", data={
        "csrf_token": csrf_token(html), "org": str(org_id), "issuer": "https://login.acme.example",
        "client_id": "tomps", "client_secret": "owner-secret", "domains": "acme.example, acme.co.id"})
    assert resp.status_code == 302
    html = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'data-federation-status="requested"' in html and "not verified yet" in html
    assert "owner-secret" not in html
    with app.app_context():
        from idp.federation.config import describe, find, for_email

        shown = describe(find(org_id))
        assert shown["status"] == "requested"
        assert {d["domain"] for d in shown["domains"]} == {"acme.example", "acme.co.id"}
        assert for_email("x@acme.example") is None  # not used before the operator approves


def test_a_request_for_a_domain_of_another_organisation_is_refused(app, web, clean):
    from idp.federation.config import set_federation

    org_id, other = _org(app), _org(app, "Other")
    with app.app_context():
        set_federation(other, issuer="https://login.other.example", client_id="c",
                       client_secret="s", domains=["acme.example"])
    owner = _owner(app, org_id)
    login(web, owner["email"], owner["password"])
    html = web.get(f"/account/sign-in?org={org_id}").get_data(as_text=True)
    resp = web.post("/account/sign-in", data={
        "csrf_token": csrf_token(html), "org": str(org_id), "issuer": "https://login.acme.example",
        "client_id": "tomps", "client_secret": "s", "domains": "acme.example"})
    assert resp.status_code == 400 and "already claimed" in resp.get_data(as_text=True)


def test_an_admin_who_is_not_owner_cannot_request(app, web, clean):
    org_id = _org(app)
    admin = _owner(app, org_id, "admin")
    login(web, admin["email"], admin["password"])
    html = web.get(f"/account/sign-in?org={org_id}").get_data(as_text=True)
    assert "Only an owner" in html and 'name="client_secret"' not in html
    token = csrf_token(web.get(f"/account/company?org={org_id}").get_data(as_text=True))
    resp = web.post("/account/sign-in", data={
        "csrf_token": token, "org": str(org_id), "issuer": "https://login.acme.example",
        "client_id": "tomps", "client_secret": "s", "domains": "acme.example"})
    assert resp.status_code == 403


def test_the_sign_in_audit_shows_each_members_method(app, web, acme, upstream):
    owner = _owner(app, acme)
    sign_in(app.test_client())  # dewi, through the organisation's provider
    login(web, owner["email"], owner["password"])
    html = web.get(f"/account/sign-ins?org={acme}").get_data(as_text=True)
    rows = {line.split("</td>")[0] for line in html.split("<td>")[1:]}
    assert "dewi@" + DOMAIN in rows and owner["email"] in rows
    assert 'data-method="federated"' in html and 'data-method="password"' in html
    page = web.get(f"/account/sign-ins?org={acme}", headers={"Accept-Language": "id"})
    assert "Penyedia identitas organisasi" in page.get_data(as_text=True)
