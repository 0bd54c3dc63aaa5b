"""The entitlement gate at /oauth2/authorize (DESIGN "Entitlement gate", issue 7 item 3).

Every authorization request — fresh login, SSO session or prompt=none — passes the
gate after authentication and before a code is issued.
"""

import html
import re

import pytest

from tests.factories import PLANS, STATUSES
from tests.helpers.web import csrf_token
from tests.oidc.conftest import PRODUCTS, decode, org, query

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)

REASONS = {"pending": "Payment for your organisation's subscription is pending.",
           "past_due": "Payment for your organisation's subscription is past due.",
           "expired": "Your organisation's plan ended on ",
           "cancelled": "Your organisation's subscription was cancelled.",
           "none": "Your organisation has no subscription."}


def _expected(plan, status, product):
    """None when the gate lets the request through, else the start of the reason."""
    if status != "active":
        return REASONS[status]
    if product in PLANS[plan]:
        return None
    return f"Tomps {product.title()} is not included in your organisation's plan."


def _page_text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("plan", list(PLANS))
def test_gate_for_every_product_plan_and_status(apps, app, user, plan, status):
    org(app, user["email"], plan, status)
    apps["building"].login()  # one SSO session answers every request below
    for product in PRODUCTS:
        expected = _expected(plan, status, product)
        resp = apps[product].authorize()
        if expected is None:
            assert resp.status_code == 302 and "code" in query(resp.headers["Location"])
            continue
        assert resp.status_code == 403, (product, resp.status_code)
        assert expected in _page_text(resp)
        denied = query(apps[product].authorize(prompt="none").headers["Location"])
        assert denied["error"] == "access_denied" and "code" not in denied
        assert denied["error_description"].startswith(expected)
    # The account portal has no product: never gated.
    assert "code" in query(apps["portal"].authorize().headers["Location"])


def test_sso_session_cannot_carry_the_person_into_an_unentitled_product(apps, app, user):
    org(app, user["email"], "starter")
    assert apps["building"].code()  # logs in
    resp = apps["project"].authorize()
    assert resp.status_code == 403 and "code" not in resp.headers.get("Location", "")
    text = _page_text(resp)
    assert "Tomps Project is not in your plan" in text
    # The owner is told what would help: a plan with the product, not a payment to settle.
    assert "choose a plan that includes Tomps Project" in text
    assert "settle the payment" not in text


def test_prompt_none_refusal_is_a_redirect_without_ui(apps, app, user):
    org(app, user["email"], "starter")
    apps["building"].login()
    resp = apps["project"].authorize(prompt="none", state="s-9")
    assert resp.status_code == 302
    params = query(resp.headers["Location"])
    assert resp.headers["Location"].startswith("https://project.example/cb?")
    assert params == {"error": "access_denied", "state": "s-9", "iss": "http://127.0.0.1:5000",
                      "error_description": "Tomps Project is not included in your "
                                           "organisation's plan."}


def test_return_link_sends_access_denied_to_the_client(apps, app, user):
    org(app, user["email"], "starter")
    apps["building"].login()
    page = apps["project"].authorize(state="s-7")
    link = re.search(r'href="(/oauth2/authorize/resume\?interaction=[^"]+)"', page.get_data(
        as_text=True))
    assert link and "Return to Tomps Project" in page.get_data(as_text=True)
    resp = apps["project"].web.get(html.unescape(link.group(1)))
    params = query(resp.headers["Location"])
    assert resp.headers["Location"].startswith("https://project.example/cb?")
    assert params["error"] == "access_denied" and params["state"] == "s-7"
    assert params["iss"] == "http://127.0.0.1:5000"
    assert "not included" in params["error_description"]
    # The interaction is spent: a second click is the expired page, not a second redirect.
    assert apps["project"].web.get(html.unescape(link.group(1))).status_code != 302


def test_refusal_after_a_fresh_login_shows_the_page(apps, app, user):
    org(app, user["email"], "starter")
    flow = apps["asset"]
    interaction = query(flow.authorize().headers["Location"])["interaction"]
    from tests.helpers.web import login

    resp = login(flow.web, user["email"], user["password"], interaction)
    page = flow.web.get(resp.headers["Location"])
    assert page.status_code == 403 and "Tomps Asset is not in your plan" in _page_text(page)


def test_no_organisation_refused_at_a_product_but_not_at_the_portal(apps, app, user):
    apps["building"].login()
    resp = apps["building"].authorize()
    assert resp.status_code == 403
    assert "not a member of any organisation with a Tomps plan" in _page_text(resp)
    tokens = apps["portal"].tokens()
    claims = decode(apps["portal"].web, tokens["access_token"])
    assert "org_id" not in claims and claims["aud"] == ["http://127.0.0.1:5000"]
    assert "org_id" not in decode(apps["portal"].web, tokens["id_token"])


def test_portal_of_a_lapsed_organisation_still_gets_plan_claims(apps, app, user):
    org_id = org(app, user["email"], "suite", "cancelled")
    tokens = apps["portal"].tokens()
    claims = decode(apps["portal"].web, tokens["id_token"])
    assert claims["org_id"] == org_id and claims["plan_status"] == "cancelled"
    assert claims["products"] == []


def _two_orgs(app, user):
    first = org(app, user["email"], "starter", name="Alpha Works")
    second = org(app, user["email"], "suite", name="Beta Group", role="member")
    return first, second


def _pick(flow, location, org_id):
    assert "/select-organization" in location
    page = flow.web.get(location)
    assert page.status_code == 200 and "Alpha Works" in page.get_data(as_text=True)
    interaction = query(location)["interaction"]
    resp = flow.web.post("/select-organization", data={
        "interaction": interaction, "organization": str(org_id),
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert resp.status_code == 302
    return flow.web.get(resp.headers["Location"])


def test_org_picker_with_two_organisations_then_last_choice(apps, app, user):
    _, beta = _two_orgs(app, user)
    flow = apps["project"]
    flow.login()
    resp = flow.authorize()
    resp = _pick(flow, resp.headers["Location"], beta)
    code = query(resp.headers["Location"])["code"]
    tokens = flow.exchange(code).get_json()
    assert decode(flow.web, tokens["id_token"])["org_id"] == beta
    # The next request skips the picker: the last choice names the organisation.
    again = flow.authorize()
    assert "code" in query(again.headers["Location"])


def test_picker_choice_that_the_plan_does_not_cover_is_refused(apps, app, user):
    alpha, _ = _two_orgs(app, user)
    flow = apps["project"]
    flow.login()
    resp = _pick(flow, flow.authorize().headers["Location"], alpha)
    assert resp.status_code == 403 and "Tomps Project is not in your plan" in _page_text(resp)


@pytest.mark.parametrize("by", ["id", "name"])
def test_org_parameter_skips_the_picker(apps, app, user, by):
    alpha, _ = _two_orgs(app, user)
    flow = apps["building"]
    flow.login()
    tokens = flow.exchange(flow.code(org=str(alpha) if by == "id" else "Alpha Works")).get_json()
    assert decode(flow.web, tokens["access_token"])["org_id"] == alpha


def test_org_parameter_naming_a_foreign_organisation_is_ignored(apps, app, user):
    from idp.orgs.organizations import create_organization

    _two_orgs(app, user)

    with app.app_context():
        foreign = create_organization("Foreign Ltd").id
    apps["building"].login()
    resp = apps["building"].authorize(org=str(foreign))
    assert "/select-organization" in resp.headers["Location"]


def test_org_parameter_chooses_between_allowed_and_refused(apps, app, user):
    _two_orgs(app, user)
    apps["project"].login()
    assert apps["project"].authorize(org="Alpha Works").status_code == 403
    assert "code" in query(apps["project"].authorize(org="Beta Group").headers["Location"])


def test_prompt_none_with_two_organisations_and_no_choice(apps, app, user):
    _two_orgs(app, user)
    apps["building"].login()
    params = query(apps["building"].authorize(prompt="none").headers["Location"])
    assert params["error"] == "interaction_required" and "code" not in params


def test_denial_is_audited_and_counted(apps, app, user):
    from idp import audit
    from idp.ops import metrics

    org_id = org(app, user["email"], "starter", name="Audited Co")
    counter = metrics.ENTITLEMENT_DENIALS.labels(reason="product_not_in_plan")
    before = counter._value.get()
    apps["building"].login()
    apps["project"].authorize()
    assert counter._value.get() == before + 1
    with app.app_context():
        (event,) = audit.search(type="entitlement.denied")
        assert event.user_id == user["id"] and event.reason == "product_not_in_plan"
        assert event.client_id == apps["project"].client["client_id"]
        snap = event.detail["entitlement"]
        assert snap["organization_id"] == org_id and snap["organization_name"] == "Audited Co"
        assert snap["plan"] == "starter" and snap["products"] == ["building"]
        assert snap["status"] == "active" and isinstance(snap["period_end"], int)


def test_token_issued_is_audited_with_the_snapshot(apps, app, user):
    from idp import audit

    org(app, user["email"], "suite")
    tokens = apps["asset"].tokens()
    apps["asset"].refresh(tokens["refresh_token"])
    with app.app_context():
        events = audit.search(type="token.issued")
    assert [e.reason for e in events] == ["authorization_code", "refresh_token"]
    assert events[0].detail["entitlement"]["plan"] == "suite"
    assert events[0].detail["entitlement"]["products"] == ["asset", "building", "project"]


def test_seat_limit_refuses_the_newest_member(apps, app, user):
    from idp import clock
    from idp.accounts.users import create_user
    from idp.orgs import subscriptions
    from idp.orgs.organizations import add_member
    from idp.orgs.plans import create_plan

    with app.app_context():
        create_plan("solo", "Solo", ["building"], tier=1, seats=1)
        elder = create_user("elder@example.com").email
    org_id = org(app, elder, "suite")
    clock.advance(5)
    with app.app_context():
        add_member(org_id, user["email"], "member")
        subscriptions.change_plan(org_id, "solo")
    apps["building"].login()
    resp = apps["building"].authorize()
    assert resp.status_code == 403
    assert "Every seat of your organisation's plan is taken." in _page_text(resp)
