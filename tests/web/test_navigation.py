"""Navigation (issue 13 item 5): the page asked for survives login (our own paths only),
``/``, the way back to the account from every page, the refusal page, the styling fixes."""

from __future__ import annotations

import ast
import re

import pytest

from idp import resources
from idp.web.current_org import safe_next
from tests.factories import PASSWORD, make_member, make_org, make_plan, make_user, subscribe
from tests.helpers.web import csrf_token


def _login(web, email, next_path=None, hidden=True):
    page = web.get("/login" + (f"?next={next_path}" if next_path and hidden else ""))
    html = page.get_data(as_text=True)
    found = re.search(r'name="next"[^>]*value="([^"]*)"', html)
    carried = found.group(1) if found else ""
    if not hidden:
        carried = next_path or ""
    return web.post("/login", data={"csrf_token": csrf_token(html), "email": email,
                                    "password": PASSWORD, "interaction": "", "next": carried})


@pytest.fixture
def owner(app, clean):
    with app.app_context():
        org = make_org("acme")
        subscribe(org, make_plan(code="duo", products=("building", "project"), tier=2))
        return {**make_member(org, "owner"), "org": org.id,
                "member": make_member(org, "member")}


def test_the_page_asked_for_survives_login(web, owner):
    resp = web.get("/account/members")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/login?next=/account/members"
    resp = _login(web, owner["email"], "/account/members")
    assert resp.status_code == 302 and resp.headers["Location"] == "/account/members"
    assert web.get("/account/members").status_code == 200


def test_the_query_string_survives_too(web, owner):
    resp = web.get(f"/account?org={owner['org']}")
    assert resp.headers["Location"] == f"/login?next=/account?org%3D{owner['org']}"
    resp = _login(web, owner["email"], f"/account?org={owner['org']}", hidden=False)
    assert resp.headers["Location"] == f"/account?org={owner['org']}"


EVIL = ["//evil.example", "/\\evil.example", "https://evil.example/", "http:evil.example",
        "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", "\\\\evil.example",
        "evil.example", "//evil.example/%2F..", "/ /evil", "", "/" + "a" * 3000,
        "data:text/html,hi", "///evil.example"]


@pytest.mark.parametrize("target", EVIL)
def test_next_is_only_ever_our_own_path(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/account", "/account?org=3", "/invitations/abc.def",
                                    "/plans#faq"])
def test_our_own_paths_pass(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example",
                                    "javascript:alert(1)", "/\t/evil.example"])
def test_open_redirect_attempts_land_on_the_signed_in_page(web, owner, target):
    # Even posted straight into the form (not through the login page's own check).
    resp = _login(web, owner["email"], target, hidden=False)
    assert resp.status_code == 302 and resp.headers["Location"] == "/signed-in"


def test_root_is_the_account_when_signed_in_else_the_sign_in(web, owner):
    resp = web.get("/")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    _login(web, owner["email"])
    resp = web.get("/")
    assert resp.status_code == 302 and resp.headers["Location"] == "/account"


@pytest.mark.parametrize("path", ["/login", "/plans", "/no-such-page", "/signed-in",
                                  "/invitations/bad"])
def test_every_page_links_back_to_the_account(web, owner, path):
    _login(web, owner["email"])
    html = web.get(path).get_data(as_text=True)
    assert 'href="/account"' in html


def test_every_template_leads_to_the_account():
    """Every page extends base.html, whose header links to the account."""
    templates = resources.path("templates")
    base = (templates / "base.html").read_text()
    assert "url_for('account.index')" in base
    for path in templates.rglob("*.html"):
        text = path.read_text()
        if path.name == "base.html" or path.name.startswith("_"):
            continue
        if path.parts[-2] == "oidc":  # the auto-submitting form_post page is not a page to read
            continue
        assert '{% extends "base.html" %}' in text, path


def _refusal(app, user_id, org_id):
    """The refusal page of the entitlement gate, for Tomps Asset (not in Duo)."""
    from idp.oidc.errors import AccessRefused
    from idp.orgs.entitlements import check_product, resolve
    from idp.web.errors import render_refusal

    with app.test_request_context("/oauth2/authorize"):
        decision = check_product(resolve(user_id, org_id, use_cache=False), "asset")
        html, status, _ = render_refusal(AccessRefused(decision, "Tomps Asset", None))
    assert status == 403 and "Tomps Asset is not in your plan" in html
    return html


def test_refusal_page_offers_owners_an_upgrade(app, owner):
    html = _refusal(app, owner["id"], owner["org"])
    assert "Upgrade" in html and 'href="/plans"' in html


def test_refusal_page_tells_members_who_their_owners_are(app, owner):
    html = _refusal(app, owner["member"]["id"], owner["org"])
    assert "Upgrade" not in html
    assert owner["email"] in html and "Ask an owner" in html


def test_radios_sit_inline_and_the_address_is_a_textarea(web, owner):
    from pathlib import Path

    import idp.web

    css = (Path(idp.web.__file__).parent / "static" / "idp.css").read_text()
    assert re.search(r"input\[type=radio\][^{]*\{[^}]*width:\s*auto", css)
    _login(web, owner["email"])
    html = web.get("/account/company").get_data(as_text=True)
    assert re.search(r'<textarea id="address" name="address" rows="4"', html)


def test_no_print_calls_in_the_pages():
    """print() bypasses the JSON log (the company view once printed form.errors)."""
    from pathlib import Path

    import idp.web

    for path in Path(idp.web.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                pytest.fail(f"print() in {path}:{node.lineno}")


def test_login_redirect_for_a_new_person_without_next(web, app, clean):
    with app.app_context():
        person = make_user("solo")
    resp = _login(web, person["email"])
    assert resp.headers["Location"] == "/signed-in"


def test_a_person_in_no_organisation_is_told_so(web, app, clean):
    with app.app_context():
        person = make_user("lonely")
    _login(web, person["email"])
    resp = web.get("/account")
    assert resp.status_code == 403
    assert "do not belong to any organisation" in resp.get_data(as_text=True)
