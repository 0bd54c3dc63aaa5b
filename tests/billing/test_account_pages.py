"""The account pages: access, company form (CSRF, validation), ordering, renewal, language."""

import re

import pytest
from sqlalchemy import func, select

from idp.billing.orders import create_order
from idp.extensions import db
from idp.storage.models import Order, Organization, Plan
from tests.factories import make_member, make_org, make_plan, midtrans_body, subscribe
from tests.helpers.web import csrf_token, login

# No app context is held across requests here: the test client would share ``g`` (and
# Flask-WTF's cached CSRF token) between requests. Database checks open their own.


class _Ref:
    def __init__(self, id):
        self.id = id


@pytest.fixture
def acme(app, clean):
    with app.app_context():
        org = make_org("acme")
        plan = make_plan()
        return {"org": _Ref(org.id), "plan": _Ref(plan.id), "admin": make_member(org, "admin"),
                "member": make_member(org, "member")}


@pytest.fixture
def dbx(app):
    """Run ``fn(session)`` in a fresh app context and return its result."""

    def run(fn):
        with app.app_context():
            return fn(db.session)

    return run


@pytest.fixture
def admin_web(web, acme):
    login(web, acme["admin"]["email"], acme["admin"]["password"])
    return web


def _token(web, path="/account/company"):
    return csrf_token(web.get(path).get_data(as_text=True))


def test_signed_out_goes_to_login(web, acme):
    resp = web.get("/account")
    assert resp.status_code == 302 and "/login?next=/account" in resp.headers["Location"]


def test_a_plain_member_sees_the_account_read_only_and_gets_403_elsewhere(web, acme):
    login(web, acme["member"]["email"], acme["member"]["password"])
    page = web.get("/account")
    assert page.status_code == 200 and "Owners and admins manage" in page.get_data(as_text=True)
    assert web.get("/account/company").status_code == 403
    assert web.get("/account/events").status_code == 403


def test_an_admin_of_another_org_gets_403(admin_web, acme, dbx):
    other = dbx(lambda s: _Ref(make_org("globex").id))
    assert admin_web.get(f"/account?org={other.id}").status_code == 403
    assert admin_web.get("/account?org=abc").status_code == 403


def test_overview_shows_plan_members_history_and_orders(admin_web, acme, notify, dbx):
    order = dbx(lambda s: _create(s, acme["org"].id, acme["plan"].id))
    notify(midtrans_body(order["ref"]))
    html = admin_web.get("/account").get_data(as_text=True)
    assert "Suite" in html and acme["member"]["email"] in html
    assert "Seats used" in html and "2 of 25" in html
    assert order["ref"] in html and "paid" in html
    assert html.count("<tr>") >= 6
    csp = admin_web.get("/account").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script src=" in html and "<script>" not in html


def test_account_in_bahasa(admin_web, acme):
    html = admin_web.get("/account?ui_locales=id").get_data(as_text=True)
    assert "Anggota" in html and "Belum ada langganan." in html
    html = admin_web.get("/account", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Anggota" in html


def test_company_form_saves(admin_web, acme, dbx):
    resp = admin_web.post("/account/company", data={
        "csrf_token": _token(admin_web), "org": acme["org"].id, "legal_name": "PT Acme Indonesia",
        "tax_id": "01.234.567.8-901.000", "address": "Jl. Sudirman 1, Jakarta",
        "country": "id", "billing_email": "finance@acme.example"})
    assert resp.status_code == 302
    org = dbx(lambda s: (s.get(Organization, acme["org"].id).legal_name,
                         s.get(Organization, acme["org"].id).country))
    assert org == ("PT Acme Indonesia", "ID")
    assert "Saved." in admin_web.get(resp.headers["Location"]).get_data(as_text=True)


VALID = {"legal_name": "PT Acme", "country": "ID", "billing_email": "f@acme.example"}


def test_the_organisations_time_zone_shows_its_times(admin_web, acme, dbx):
    """Issue 14 item 3: stored times stay UTC; pages show them in the organisation's zone."""
    def save(zone):
        return admin_web.post("/account/company", data={
            "csrf_token": _token(admin_web), "org": acme["org"].id, "timezone": zone, **VALID})

    assert save("Mars/Olympus").status_code == 400
    assert save("Asia/Makassar").status_code == 302
    assert dbx(lambda s: s.get(Organization, acme["org"].id).timezone) == "Asia/Makassar"
    page = admin_web.get(f"/account/company?org={acme['org'].id}").get_data(as_text=True)
    assert '<option value="Asia/Makassar" selected>' in page
    assert save("").status_code == 302  # back to the default zone (Asia/Jakarta)
    assert dbx(lambda s: s.get(Organization, acme["org"].id).timezone) is None


def test_the_panel_and_history_fragments_use_the_organisations_time_zone(admin_web, acme, dbx):
    """The fragments the live update swaps in show times in the organisation's own zone,
    as the page around them does (not the IdP's default, Asia/Jakarta)."""
    import re

    from tests.factories import subscribe

    def setup(s):
        org = s.get(Organization, acme["org"].id)
        subscribe(org, s.get(Plan, acme["plan"].id))
        org.timezone = "Asia/Jayapura"
        s.commit()

    dbx(setup)
    panel = admin_web.get(f"/account/panel?org={acme['org'].id}").get_data(as_text=True)
    end = re.search(r"data-period-end>([^<]*)<", panel).group(1)
    assert end.endswith("WIT"), end  # Jayapura (UTC+9), not WIB
    page = admin_web.get(f"/account?org={acme['org'].id}").get_data(as_text=True)
    assert f"data-period-end>{end}<" in page  # the same as the page it is swapped into


@pytest.mark.parametrize("change", [
    {"country": "XX"}, {"country": "IDN"}, {"country": ""}, {"legal_name": ""},
    {"billing_email": "not-an-email"}, {"tax_id": "<script>"}, {"legal_name": "x" * 301},
])
def test_company_form_rejects_bad_input(admin_web, acme, change, dbx):
    data = {**VALID, **change, "csrf_token": _token(admin_web), "org": acme["org"].id}
    resp = admin_web.post("/account/company", data=data)
    assert resp.status_code == 400 and "correct the fields" in resp.get_data(as_text=True)
    assert dbx(lambda s: s.get(Organization, acme["org"].id).legal_name) is None


def test_company_form_requires_csrf(admin_web, acme, dbx):
    resp = admin_web.post("/account/company", data={**VALID, "org": acme["org"].id})
    assert resp.status_code == 400
    assert dbx(lambda s: s.get(Organization, acme["org"].id).legal_name) is None


def test_member_cannot_post_the_company_form(web, acme):
    login(web, acme["member"]["email"], acme["member"]["password"])
    token = csrf_token(web.get("/login").get_data(as_text=True))
    resp = web.post("/account/company", data={**VALID, "csrf_token": token, "org": acme["org"].id})
    assert resp.status_code == 403


def _create(session, org_id, plan_id):
    from idp.billing.orders import create_order
    from idp.storage.models import Plan

    order, _ = create_order(session.get(Organization, org_id), session.get(Plan, plan_id))
    return {"id": order.id, "ref": order.gateway_order_id}


@pytest.fixture
def orders(dbx):
    return lambda: dbx(lambda s: s.scalar(select(func.count()).select_from(Order)))


def _order(web, org_id, plan="suite", page="/plans/suite/review"):
    token = _token(web, page)
    return web.post("/account/orders", data={"csrf_token": token, "plan": plan, "org": org_id})


def test_order_from_review_then_summary_and_pay_pages(admin_web, acme, orders):
    resp = _order(admin_web, acme["org"].id)
    assert resp.status_code == 302
    summary = admin_web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "IDR 150,000.00" in summary and "Suite" in summary and "awaiting payment" in summary
    pay_link = re.search(r'href="(/account/orders/\d+/pay[^"]*)"', summary).group(1)
    pay = admin_web.get(pay_link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Awaiting Payment" in pay and "TOMPS-" in pay and "data-live=" in pay
    again = _order(admin_web, acme["org"].id)  # a double click
    assert again.headers["Location"] == resp.headers["Location"] and orders() == 1


@pytest.mark.parametrize("data", [{"plan": "suite"}, {"plan": "", "org": "1"},
                                  {"plan": "../x", "org": "1"}, {"plan": "suite", "org": "x"}])
def test_order_form_bad_input(admin_web, acme, data, orders):
    data = {"csrf_token": _token(admin_web), **data}
    assert admin_web.post("/account/orders", data=data).status_code == 400
    assert orders() == 0


def test_order_form_requires_csrf(admin_web, acme, orders):
    resp = admin_web.post("/account/orders", data={"plan": "suite", "org": acme["org"].id})
    assert resp.status_code == 400 and orders() == 0


def test_order_for_unknown_plan_is_refused(admin_web, acme, orders):
    assert _order(admin_web, acme["org"].id, plan="nope").status_code == 409
    assert orders() == 0


def test_member_cannot_order(web, acme, orders):
    login(web, acme["member"]["email"], acme["member"]["password"])
    assert "Only an owner or admin" in web.get("/plans/suite/review").get_data(as_text=True)
    assert _order(web, acme["org"].id, page="/login").status_code == 403 and orders() == 0


def test_order_of_another_org_is_404(admin_web, acme, dbx):
    foreign = dbx(lambda s: _create(s, make_org("globex").id, acme["plan"].id))
    assert admin_web.get(f"/account/orders/{foreign['id']}").status_code == 404
    assert admin_web.get(f"/account/orders/{foreign['id']}/pay").status_code == 404


def test_renew_creates_a_renewal_order(admin_web, acme, dbx):
    dbx(lambda s: subscribe(s.get(Organization, acme["org"].id), _plan(s, acme)))
    page = admin_web.get(f"/account/renew?org={acme['org'].id}")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    resp = admin_web.post("/account/renew", data={"csrf_token": token, "org": acme["org"].id})
    assert resp.status_code == 302
    assert dbx(lambda s: s.scalar(select(Order)).kind) == "renewal"


def _plan(session, acme):
    from idp.storage.models import Plan

    return session.get(Plan, acme["plan"].id)


def test_renew_requires_csrf_and_a_subscription(admin_web, acme, orders):
    assert admin_web.post("/account/renew", data={"org": acme["org"].id}).status_code == 400
    token = _token(admin_web)
    resp = admin_web.post("/account/renew", data={"csrf_token": token, "org": acme["org"].id})
    assert resp.status_code == 409 and orders() == 0


@pytest.mark.parametrize("path,status", [
    ("/account/orders/99999999999999999999", 404), ("/account/orders/2147483648/pay", 404),
    ("/account?org=99999999999999999999", 403), ("/account/events?org=2147483648", 403),
    ("/account?org=-1", 403), ("/account/renew?org=%00", 403),
])
def test_out_of_range_ids_are_4xx_not_500(admin_web, acme, path, status):
    assert admin_web.get(path).status_code == status


@pytest.mark.parametrize("change", [{"legal_name": "PT\x00Acme"}, {"address": "Jl.\x00 1"},
                                    {"billing_email": "a\x00@b.example"}])
def test_company_form_rejects_control_characters(admin_web, acme, change, dbx):
    data = {**VALID, **change, "csrf_token": _token(admin_web), "org": acme["org"].id}
    assert admin_web.post("/account/company", data=data).status_code == 400
    assert dbx(lambda s: s.get(Organization, acme["org"].id).legal_name) is None


def test_company_form_accepts_a_multiline_address(admin_web, acme, dbx):
    data = {**VALID, "address": "Jl. Sudirman 1\r\nJakarta", "csrf_token": _token(admin_web),
            "org": acme["org"].id}
    assert admin_web.post("/account/company", data=data).status_code == 302
    assert "Jakarta" in dbx(lambda s: s.get(Organization, acme["org"].id).address)


def test_a_refused_company_form_prints_nothing_it_was_given(admin_web, acme, capfd):
    data = {**VALID, "country": "XX", "legal_name": "secret-ish value",
            "csrf_token": _token(admin_web), "org": acme["org"].id}
    assert admin_web.post("/account/company", data=data).status_code == 400
    out, _ = capfd.readouterr()
    assert "secret-ish" not in out and "country" not in out


def test_renew_extends_the_plan_of_the_last_paid_period(admin_web, acme, dbx):
    from idp.orgs.subscriptions import apply_paid_period

    def setup(session):
        org = session.get(Organization, acme["org"].id)
        subscribe(org, _plan(session, acme))
        starter = make_plan("starter", price="50000", products=("building",), tier=1)
        apply_paid_period(session, org.id, starter, None)  # a downgrade from the boundary
        session.commit()

    dbx(setup)
    resp = admin_web.post("/account/renew", data={"csrf_token": _token(admin_web),
                                                 "org": acme["org"].id})
    assert resp.status_code == 302
    assert dbx(lambda s: s.scalar(select(Order)).plan_id) == dbx(
        lambda s: s.scalar(select(Plan.id).where(Plan.code == "starter")))


def test_a_superseded_order_cannot_be_paid_from_the_page(admin_web, acme, dbx):
    def setup(session):
        org = session.get(Organization, acme["org"].id)
        order, _ = create_order(org, _plan(session, acme))
        order.status = "superseded"
        session.commit()
        return order.id

    order_id = dbx(setup)
    resp = admin_web.get(f"/account/orders/{order_id}/pay?org={acme['org'].id}")
    assert resp.status_code == 302 and f"/account/orders/{order_id}" in resp.headers["Location"]
