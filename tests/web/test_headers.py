"""Security headers on every HTML page, cookie flags, CSRF on every form."""

import re

import pytest

from idp import resources
from tests.helpers.totp import enrol
from tests.helpers.web import csrf_token, login

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)

TEMPLATES = resources.path("templates")


def html_pages(web, user):
    """Every kind of HTML page the IdP serves today, as a browser meets them."""
    pages = {"login": web.get("/login"), "404": web.get("/nope"),
             "405": web.put("/login"), "totp expired": web.get("/login/totp"),
             "csrf refused": web.post("/login", data={"email": "a@b.cd", "password": "x"}),
             "login failed": login(web, "x@example.com", "wrong")}
    login(web, user["email"], user["password"])
    pages["signed in"] = web.get("/signed-in")
    pages["enrol"] = web.get("/account/totp")
    enrol(web)
    pages["enabled"] = web.get("/account/totp")
    pages["security"] = web.get("/account/security")
    token = csrf_token(pages["signed in"].get_data(as_text=True))
    pages["signed out"] = web.post("/logout", data={"csrf_token": token})
    return pages


def assert_secure_html(resp, name):
    assert resp.mimetype == "text/html", name
    csp = resp.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in resp.headers["Cache-Control"]
    body = resp.get_data(as_text=True)
    assert "style=" not in body  # nothing CSP would have to allow
    # Scripts only as files of our own (the passkey script), never inline.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", body, re.DOTALL)
    assert len(scripts) == body.count("<script"), name
    for attributes, inline in scripts:
        assert not inline.strip() and re.search(r'src="/static/[^"]+\.js"', attributes), name
        assert "script-src 'self'" in csp, name


def test_every_html_page_has_the_security_headers(web, user):
    for name, resp in html_pages(web, user).items():
        assert_secure_html(resp, name)
        assert "Strict-Transport-Security" not in resp.headers  # http issuer: no HSTS


@pytest.fixture
def https_app(instances):
    return instances(issuer="https://id.example")


def test_https_issuer_adds_hsts_and_secure_cookies(https_app, user):
    web = https_app.test_client()
    pages = html_pages(web, user)
    for name, resp in pages.items():
        assert "max-age=" in resp.headers["Strict-Transport-Security"], name
    resp = login(https_app.test_client(), user["email"], user["password"])
    cookies = resp.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_json_endpoints_have_nosniff_too(web):
    resp = web.get("/readyz")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_cookies_are_httponly_and_samesite_on_http(web, user):
    cookies = login(web, user["email"], user["password"]).headers.getlist("Set-Cookie")
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c and "Secure" not in c
                           for c in cookies)


# Forms that post to a relying party (OAuth 2.0 Form Post Response Mode), not to us:
# our CSRF token must never leave for another origin.
OFFSITE_FORMS = {"oidc/form_post.html"}


@pytest.mark.parametrize("name", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_every_post_form_carries_a_csrf_token(name):
    text = (TEMPLATES / name).read_text()
    if name in OFFSITE_FORMS:
        assert "csrf_token" not in text, f"{name}: our CSRF token would leave for the RP"
        return
    for form in re.findall(r"<form\b.*?</form>", text, flags=re.DOTALL):
        if "url_for('i18n.switch')" in form:
            continue  # the language switcher: CSRF_EXEMPT below says why
        if re.search(r'method="post"', form, flags=re.IGNORECASE):
            assert "csrf_token" in form, f"{name}: a POST form without a CSRF token"


# Machine endpoints a relying party POSTs to from its own origin: they authenticate the
# client (or carry a bearer token / id_token_hint) instead of a form token.
CSRF_EXEMPT: set[str] = {
    "oidc.authorize_endpoint",  # OIDC Core §3.1.2.1: the RP may POST the authorization request
    "oidc.token", "oidc.revoke", "oidc.introspect", "oidc.userinfo_endpoint",
    "logout.end_session",  # RP-Initiated Logout §2: GET or POST from the RP
    # The language switcher on every page, public ones too (which set no session cookie):
    # a cross-site POST carries no session (SameSite=Lax), so it can set only the language
    # cookie; the profile changes only from our own origin (tests/web/test_i18n.py).
    "i18n.switch",
}


def test_every_post_route_refuses_a_request_without_csrf(app, web, user):
    """Signed in (so a page would otherwise act), every POST without a token gets 400."""
    login(web, user["email"], user["password"])
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods and not r.arguments
             and r.endpoint not in CSRF_EXEMPT and not r.rule.startswith("/_test")]
    assert {r.rule for r in rules} >= {"/login", "/logout", "/login/totp", "/account/totp"}
    for rule in rules:
        resp = web.post(rule.rule, data={"code": "123456", "email": user["email"],
                                         "password": user["password"]})
        assert resp.status_code == 400, rule.rule
    assert web.get("/signed-in").status_code == 200  # and the sign-out did not happen
