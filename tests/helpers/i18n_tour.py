"""Every page a person meets, in one language (issue 14 "Done when"): signing in with TOTP,
consent for a third-party app, picking an organisation, being refused a product, the
account, plans, order and pay pages, TOTP enrolment, an error page, signing out.

``setup(app)`` makes the people, organisations, plans, clients and an order; ``tour(app,
data, language)`` walks a fresh browser (the Flask test client) through the pages, the
language chosen with the switcher (``en``: the default, no choice made), and returns
``{page name: (status, html)}``. tests/web/test_i18n_tour.py compares the languages;
the browser test takes screenshots of the same HTML.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import select

from tests.helpers.totp import CODE_RE, SECRET_RE, code_for
from tests.helpers.web import csrf_token

PASSWORD = "correct horse battery"


def _query(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def setup(app) -> dict:
    """People (Ana: TOTP, owner of Acme on Suite and member of Beta on Starter; Budi per
    language: no TOTP yet), clients, and an order of Acme awaiting payment."""
    from idp.billing.orders import create_order
    from idp.extensions import db
    from idp.storage.models import Organization, Plan
    from tests.factories import make_client, make_plans, make_user, org_on_plan

    with app.app_context():
        make_plans()
        suite = db.session.scalars(select(Plan).where(Plan.code == "suite")).one()
        suite.price = Decimal("1500000")
        db.session.commit()
        ana = make_user("ana")
        acme = org_on_plan(ana["email"], "suite", name="PT Acme Kontraktor")
        beta = org_on_plan(ana["email"], "starter", name="CV Beta Works", role="member")
        order, _ = create_order(db.session.get(Organization, acme), "suite", ana["id"])
        data = {
            "ana": ana, "acme": acme, "beta": beta, "order": order.id,
            "budi": {lang: make_user(f"budi{lang}") for lang in ("en", "id")},
            "third": make_client(first_party=False, name="Laporan Mitra",
                                 redirect_uri="https://third.example/cb"),
            "project": make_client(first_party=True, product="project", name="Tomps Project",
                                   redirect_uri="https://project.example/cb"),
        }
    browser = app.test_client()
    _login(browser, ana["email"])
    page = browser.get("/account/totp").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    done = browser.post("/account/totp", data={"code": code_for(secret),
                                               "csrf_token": csrf_token(page)})
    data["recovery"] = CODE_RE.findall(done.get_data(as_text=True))
    return data


def _login(browser, email, interaction="", password=PASSWORD):
    page = browser.get("/login" + (f"?interaction={interaction}" if interaction else ""))
    return browser.post("/login", data={"email": email, "password": password,
                                        "interaction": interaction,
                                        "csrf_token": csrf_token(page.get_data(as_text=True))})


def _authorize(browser, client, **extra):
    params = {"response_type": "code", "client_id": client["client_id"],
              "redirect_uri": client["redirect_uri"], "scope": "openid profile email",
              "state": "s", "nonce": secrets.token_urlsafe(8),
              "code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)),
              "code_challenge_method": "S256", **extra}
    return browser.get("/oauth2/authorize", query_string=params)


def _forget_choices(app, user_id: int) -> None:
    from sqlalchemy import update

    from idp.extensions import db
    from idp.storage.models import Membership

    with app.app_context():
        db.session.execute(update(Membership).where(Membership.user_id == user_id)
                           .values(last_chosen_at=None))
        db.session.commit()


def tour(app, data: dict, language: str) -> dict[str, tuple[int, str]]:
    pages: dict[str, tuple[int, str]] = {}
    browser = app.test_client()

    def keep(name, resp):
        pages[name] = (resp.status_code, resp.get_data(as_text=True))
        return resp

    def get(name, path):
        return keep(name, browser.get(path))

    if language != "en":
        browser.post("/language", data={"lang": language, "next": "/login"})
    ana = data["ana"]
    # Signing in with TOTP to a third-party app, then its consent page.
    # prompt=consent: the other language's tour already consented for this person.
    location = _authorize(browser, data["third"], prompt="consent").headers["Location"]
    interaction = _query(location)["interaction"]
    get("login", location)
    keep("login-failed", _login(browser, ana["email"], interaction, password="wrong password"))
    resp = _login(browser, ana["email"], interaction)
    get("totp", resp.headers["Location"])
    page = pages["totp"][1]
    keep("totp-failed", browser.post("/login/totp", data={"code": "000000",
                                                           "csrf_token": csrf_token(page)}))
    code = data["recovery"][0 if language == "en" else 1]
    resp = browser.post("/login/totp", data={"code": code, "csrf_token": csrf_token(page)})
    resp = browser.get(resp.headers["Location"])  # resume → consent
    get("consent", resp.headers["Location"])
    browser.post("/consent", data={"csrf_token": csrf_token(pages["consent"][1]),
                                   "interaction": interaction, "allow": "Allow"})
    # Picking an organisation at a product, then being refused it (Beta is on Starter).
    _forget_choices(app, ana["id"])  # the other tour's choice would skip the picker
    location = _authorize(browser, data["project"]).headers["Location"]
    get("picker", location)
    resp = browser.post("/select-organization", data={
        "interaction": _query(location)["interaction"], "organization": str(data["beta"]),
        "csrf_token": csrf_token(pages["picker"][1])})
    keep("refusal", browser.get(resp.headers["Location"]))
    # The signed-in and account pages.
    get("signed-in", "/signed-in")
    org, order = data["acme"], data["order"]
    get("account", f"/account?org={org}")
    get("company", f"/account/company?org={org}")
    page = pages["company"][1]
    keep("company-invalid", browser.post("/account/company", data={
        "csrf_token": csrf_token(page), "org": org, "legal_name": "", "country": "Indonesia",
        "billing_email": "not an email"}))
    get("plans", "/plans")
    get("review", "/plans/suite/review")
    get("order", f"/account/orders/{order}?org={org}")
    get("pay", f"/account/orders/{order}/pay?org={org}")
    get("renew", f"/account/renew?org={org}")
    get("totp-enabled", "/account/totp")
    get("not-found", "/no-such-page")
    # Signing out: the confirmation, then the goodbye.
    get("logout-confirm", "/oauth2/logout")
    keep("signed-out", browser.post("/oauth2/logout/confirm", data={
        "csrf_token": csrf_token(pages["logout-confirm"][1])}))
    # Setting up two-step verification (Budi has none yet): the key, then recovery codes.
    budi = app.test_client()
    if language != "en":
        budi.post("/language", data={"lang": language, "next": "/login"})
    _login(budi, data["budi"][language]["email"])
    get_budi = budi.get("/account/totp")
    keep("totp-enrol", get_budi)
    secret = SECRET_RE.search(get_budi.get_data(as_text=True)).group(1)
    keep("totp-codes", budi.post("/account/totp", data={
        "code": code_for(secret), "csrf_token": csrf_token(get_budi.get_data(as_text=True))}))
    return pages


def visible_text(html: str) -> list[str]:
    """The pieces of text a person reads (between tags; the <title>; visible attributes)."""
    import html as htmllib

    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    attributes = re.findall(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"', html)
    pieces = [htmllib.unescape(p).strip() for p in re.split(r"<[^>]*>", html)] + attributes
    return [" ".join(p.split()) for p in pieces if p and p.strip()]
