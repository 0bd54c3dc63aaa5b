"""The organisation picker page and the access-denied page."""

from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from flask import render_template_string

from idp.oidc import interaction
from idp.orgs import organizations as orgs
from tests.helpers.web import bound_interaction, csrf_token, login


@pytest.fixture
def setup(app, web, user):
    """The person belongs to Acme and Beta; Gamma is someone else's. Returns ids and an interaction."""
    with app.app_context():
        ids = {}
        for name in ("Acme", "Beta", "Gamma"):
            ids[name] = orgs.create_organization(name).id
        orgs.add_member(ids["Acme"], user["email"])
        orgs.add_member(ids["Beta"], user["email"])
    interaction_id = bound_interaction(app, web, {"client_id": "rp", "scope": "openid"})
    login(web, user["email"], user["password"])
    return ids, interaction_id


def _stored(app, interaction_id):
    with app.app_context():
        return interaction.load_any(interaction_id)


def test_page_lists_only_the_persons_organisations(web, setup):
    _ids, iid = setup
    page = web.get(f"/select-organization?interaction={iid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Acme" in html and "Beta" in html and "Gamma" not in html


def test_choice_is_stored_in_the_interaction_and_remembered(app, web, setup, user):
    from idp.orgs.selection import default_organization

    ids, iid = setup
    token = csrf_token(web.get(f"/select-organization?interaction={iid}").get_data(as_text=True))
    resp = web.post("/select-organization", data={"csrf_token": token, "interaction": iid,
                                                  "organization": ids["Beta"]})
    # The choice resumes the stored authorization request (never a URL from the request).
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/oauth2/authorize/resume?interaction={iid}")
    stored = _stored(app, iid)
    assert interaction.decision(stored, "organization", user["id"]) == ids["Beta"]
    assert interaction.decision(stored, "organization", user["id"] + 1) is None  # only hers
    with app.app_context():
        assert default_organization(user["id"]) == ids["Beta"]


def test_post_without_csrf_is_refused(app, web, setup):
    ids, iid = setup
    resp = web.post("/select-organization", data={"interaction": iid, "organization": ids["Acme"]})
    assert resp.status_code == 400
    assert "organization" not in _stored(app, iid)


def test_a_foreign_organisation_is_refused(app, web, setup):
    ids, iid = setup
    token = csrf_token(web.get(f"/select-organization?interaction={iid}").get_data(as_text=True))
    resp = web.post("/select-organization", data={"csrf_token": token, "interaction": iid,
                                                  "organization": ids["Gamma"]})
    assert resp.status_code == 400 and "choose one of your organisations" in resp.get_data(as_text=True)
    assert "organization" not in _stored(app, iid)


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999999999"])
def test_garbage_choice_is_a_readable_400(app, web, setup, value):
    _ids, iid = setup
    token = csrf_token(web.get(f"/select-organization?interaction={iid}").get_data(as_text=True))
    resp = web.post("/select-organization", data={"csrf_token": token, "interaction": iid,
                                                  "organization": value})
    assert resp.status_code == 400
    assert "organization" not in _stored(app, iid)


def test_unknown_interaction_is_a_readable_400(web, setup):
    resp = web.get("/select-organization?interaction=nope")
    assert resp.status_code == 400 and "Please start again" in resp.get_data(as_text=True)


def test_signed_out_person_is_sent_to_login(app, user):
    browser = app.test_client()
    iid = bound_interaction(app, browser, {"client_id": "rp"})
    resp = browser.get(f"/select-organization?interaction={iid}")
    assert resp.status_code == 302 and f"/login?interaction={iid}" in resp.headers["Location"]


def _denied_page(app, decision):
    from idp.oidc.errors import AccessRefused
    from idp.web.errors import render_refusal

    with app.test_request_context("/"):
        html, status, _ = render_refusal(AccessRefused(decision, "Tomps Project", None))
        return status, render_template_string("{{ h }}", h=html)


def test_denied_page_names_the_missing_product(app, ctx, plans, org_with):
    from idp.orgs import entitlements as ent
    from idp.orgs import subscriptions

    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "starter")
    status, html = _denied_page(app, ent.gate(uid, _Client("project"), org_id))
    assert status == 403 and "Tomps Project is not in your plan" in html


def test_denied_page_says_payment_is_pending(app, ctx, plans, org_with):
    from idp.orgs import entitlements as ent
    from idp.orgs import subscriptions

    org_id, (uid,) = org_with(1)
    subscriptions.create_pending(org_id, "suite")
    _status, html = _denied_page(app, ent.gate(uid, _Client("asset"), org_id))
    assert "Payment pending" in html and "is pending" in html


def test_denied_page_gives_the_date_the_plan_ended(app, ctx, plans, org_with):
    from idp import clock
    from idp.orgs import entitlements as ent
    from idp.orgs import subscriptions

    org_id, (uid,) = org_with(1)
    end = subscriptions.start(org_id, "suite").current_period_end
    clock.advance(40 * 86400)
    _status, html = _denied_page(app, ent.gate(uid, _Client("asset"), org_id))
    # The date as Babel writes it, in the organisation's zone (Asia/Jakarta by default).
    day = format_date(end.astimezone(ZoneInfo("Asia/Jakarta")), "d MMMM y", locale="en")
    assert "Your plan has ended" in html and f"ended on {day}" in html


class _Client:
    def __init__(self, product):
        self.product = product
