"""The plan catalogue: /api/plans (JSON), /plans, the review step, content files."""

import os
import time

import pytest

from idp.billing.markdown import render
from tests.factories import make_member, make_org, make_plan

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


@pytest.fixture
def plans(ctx):
    make_plan("suite", price="150000", tier=3)
    make_plan("building", price="50000", products=("building",), tier=1)
    make_plan("retired", active=False)


def test_api_lists_active_plans(plans, web):
    resp = web.get("/api/plans")
    assert resp.status_code == 200
    codes = [p["code"] for p in resp.json]
    assert codes == ["building", "suite"]
    suite = resp.json[1]
    assert suite["price"] == "150000.00" and suite["currency"] == "IDR"
    assert suite["period_days"] == 30 and suite["tier"] == 3
    assert suite["products"] == ["building", "project", "asset"]
    assert suite["limits"]["seats"] == 25
    assert "Building" in suite["description"]


def test_api_filters_by_product(plans, web):
    assert [p["code"] for p in web.get("/api/plans?product=asset").json] == ["suite"]
    assert len(web.get("/api/plans?product=building").json) == 2


def test_api_unknown_product_is_400_json(plans, web):
    resp = web.get("/api/plans?product=spaceship")
    assert resp.status_code == 400 and resp.json["error"] == "invalid_request"


def test_plans_page_shows_plans_and_faq(plans, web):
    html = web.get("/plans").get_data(as_text=True)
    assert "Suite" in html and "IDR 150,000.00" in html and "Pricing FAQ" in html
    assert "retired" not in html.lower()


def test_plans_page_in_bahasa(plans, web):
    html = web.get("/plans?ui_locales=id-ID en").get_data(as_text=True)
    assert "Paket" in html and "per 30 hari" in html and "Seluruh rangkaian" in html
    html = web.get("/plans", headers={"Accept-Language": "id;q=0.9, en;q=0.5"}).get_data(as_text=True)
    assert 'lang="id"' in html


def test_plans_page_unknown_product_is_readable_400(plans, web):
    resp = web.get("/plans?product=nope")
    assert resp.status_code == 400 and "no product" in resp.get_data(as_text=True)


def test_review_asks_to_sign_in(plans, web):
    html = web.get("/plans/suite/review").get_data(as_text=True)
    assert "Sign in to order" in html and 'name="csrf_token"' not in html


def test_review_offers_an_order_form_to_an_admin(plans, web):
    from tests.helpers.web import login

    org = make_org("acme")
    admin = make_member(org, "admin")
    login(web, admin["email"], admin["password"])
    html = web.get("/plans/suite/review").get_data(as_text=True)
    assert 'name="csrf_token"' in html and f'value="{org.id}"' in html


def test_review_of_unknown_or_retired_plan_is_404(plans, web):
    assert web.get("/plans/retired/review").status_code == 404
    assert web.get("/plans/nope/review").status_code == 404


def test_content_change_shows_without_restart(plans, web, app, tmp_path, configure):
    (tmp_path / "plans").mkdir()
    configure(content_path=str(tmp_path))
    target = tmp_path / "plans" / "suite.md"
    target.write_text("First text")
    assert web.get("/api/plans").json[1]["description"] == "First text"
    target.write_text("Second text")
    later = time.time() + 5
    os.utime(target, (later, later))  # a distinct mtime even on coarse filesystems
    assert web.get("/api/plans").json[1]["description"] == "Second text"


def test_content_html_is_escaped(plans, web, app, tmp_path, configure):
    (tmp_path / "plans").mkdir()
    configure(content_path=str(tmp_path))
    (tmp_path / "plans" / "suite.md").write_text('<script>alert(1)</script> [x](javascript:alert(1))')
    html = web.get("/plans").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_markdown_subset():
    html = str(render("# Title\n\nSome **bold** and *em* and `code`.\n\n- a\n- b\n\n1. one\n"
                      "2. two\n\n[site](https://tomps.example/x?a=1&b=2)"))
    assert "<h2>Title</h2>" in html and "<strong>bold</strong>" in html
    assert "<em>em</em>" in html and "<code>code</code>" in html
    assert "<ul><li>a</li><li>b</li></ul>" in html and "<ol><li>one</li><li>two</li></ol>" in html
    assert '<a href="https://tomps.example/x?a=1&amp;b=2" rel="noopener">site</a>' in html
    assert "&lt;b&gt;" in str(render("<b>x</b>"))
    assert '"onmouseover' not in str(render('[x](https://a.example/"onmouseover=alert(1))'))
