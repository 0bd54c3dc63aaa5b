"""Issue 7's "Done when" and issue 8's end-to-end, each as one test."""

import html
import re

from tests.oidc.conftest import decode, org, query

AUD = sorted(f"https://{p}.tomps.example" for p in ("building", "project", "asset"))


def _cli(*args):
    from click.testing import CliRunner

    from idp.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result


def test_starter_member_moves_to_suite_and_enters_project_without_logging_in(
        apps, app, user, monkeypatch):
    from idp.cli import output

    created = []
    monkeypatch.setattr(output, "make_app", _tracking(output.make_app, created))
    org(app, user["email"], "starter", name="Acme Build")
    building, project = apps["building"], apps["project"]
    # A starter member logs in at Building.
    tokens = building.tokens()
    assert decode(building.web, tokens["access_token"])["aud"] == [AUD[1]]
    # Refused at Project: the page for the person, access_denied for the client.
    page = project.authorize()
    assert page.status_code == 403
    text = html.unescape(page.get_data(as_text=True))
    assert "Tomps Project is not included in your organisation's plan." in text
    link = html.unescape(re.search(r'href="(/oauth2/authorize/resume[^"]+)"', text).group(1))
    denied = query(project.web.get(link).headers["Location"])
    assert denied["error"] == "access_denied" and "Tomps Project" in denied["error_description"]
    # The organisation moves to suite from the CLI.
    try:
        _cli("subscriptions", "change-plan", "Acme Build", "suite")
    finally:
        _dispose(created)
    # The very next authorize at Project succeeds without a login form.
    resp = project.authorize()
    assert resp.status_code == 302 and "/login" not in resp.headers["Location"]
    fresh = project.exchange(query(resp.headers["Location"])["code"]).get_json()
    access, id_token = (decode(project.web, fresh[k]) for k in ("access_token", "id_token"))
    assert access["aud"] == AUD
    for claims in (access, id_token):
        assert claims["plan"] == "suite" and claims["products"] == ["asset", "building", "project"]


def test_paid_midtrans_settlement_signs_members_in_to_all_three_products(
        app, web, user, make_client, midtrans):
    from idp.billing.orders import create_order
    from idp.extensions import db
    from idp.orgs.organizations import add_member, create_organization
    from tests.factories import make_plan, midtrans_body
    from tests.oidc.conftest import PRODUCTS, Flow

    with app.app_context():
        plan = make_plan("suite")
        organization = create_organization("Paying Co")
        add_member(organization.id, user["email"], "owner")
        organization = db.session.merge(organization)
        order, _ = create_order(organization, plan)
        ref = order.gateway_order_id
    midtrans.set_status(ref, "settlement", "150000.00", "tx-1")  # what Get Status confirms
    flows = [Flow(web, make_client(first_party=True, product=p,
                                   redirect_uri=f"https://{p}.example/cb"), user) for p in PRODUCTS]
    flows[0].login()
    assert flows[0].authorize().status_code == 403  # no subscription yet
    resp = web.post("/billing/notifications/midtrans", data=midtrans_body(ref),
                    content_type="application/json")
    assert resp.status_code == 200
    for flow in flows:
        tokens = flow.tokens()
        assert decode(web, tokens["access_token"])["plan_status"] == "active"


def _tracking(original, created):
    def make(**overrides):
        application = original(**overrides)
        created.append(application)
        return application

    return make


def _dispose(apps):
    from tests.conftest import dispose

    while apps:
        dispose(apps.pop())
