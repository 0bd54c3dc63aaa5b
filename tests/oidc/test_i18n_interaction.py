"""The language of an authorization (issue 14 item 2): ``ui_locales`` (OIDC Core §3.1.2.1)
holds for the whole interaction — login, TOTP, consent, picker, refusal — and the pages
say <html lang> accordingly; Accept-Language, the switcher and discovery."""

import html
import re

import pytest

from tests.helpers.totp import code_for, enrol, submit_code
from tests.helpers.web import csrf_token, login
from tests.oidc.conftest import Flow, org, query

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def _lang(resp) -> str:
    return re.search(r'<html lang="([^"]+)"', resp.get_data(as_text=True)).group(1)


def _text(resp) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True)))


def test_ui_locales_id_holds_through_login_totp_and_consent(app, web, user, third_party):
    login(web, user["email"], user["password"])
    secret, _ = enrol(web)
    browser = app.test_client()  # signed out, TOTP on
    flow = Flow(browser, third_party, user)
    resp = flow.authorize(ui_locales="id-ID en")
    location = resp.headers["Location"]
    page = browser.get(location)
    assert _lang(page) == "id" and "Masuk" in _text(page) and "Lanjutkan" in _text(page)
    # Email first, then the password step: still the interaction's language.
    step = browser.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                        "interaction": query(location)["interaction"],
                                        "email": user["email"]})
    assert _lang(step) == "id" and "Kata sandi" in _text(step)
    resp = login(browser, user["email"], user["password"], query(location)["interaction"])
    # /login/totp carries no interaction id: the browser's current interaction gives the language.
    totp = browser.get(resp.headers["Location"])
    assert _lang(totp) == "id" and "Verifikasi dua langkah" in _text(totp)
    wrong = submit_code(browser, "000000")
    assert "Kode tersebut tidak valid" in _text(wrong)
    resp = submit_code(browser, code_for(secret, 1))
    resp = browser.get(resp.headers["Location"])  # resume → consent
    consent = browser.get(resp.headers["Location"])
    assert consent.request.path == "/consent"
    assert _lang(consent) == "id" and "Izinkan akses?" in _text(consent)
    assert "mengetahui identitas Anda" in _text(consent)
    # The interaction is over: this browser's next page is in its own language again.
    answer = browser.post("/consent", data={"csrf_token": csrf_token(consent.get_data(as_text=True)),
                                            "interaction": query(location)["interaction"],
                                            "allow": "Allow"})
    assert "code" in query(answer.headers["Location"])
    assert _lang(browser.get("/signed-in")) == "en"


def test_ui_locales_id_holds_for_the_picker_and_the_refusal(apps, app, user):
    alpha = org(app, user["email"], "starter", name="Alpha Works")
    org(app, user["email"], "suite", name="Beta Group", role="member")
    flow = apps["project"]
    flow.login()
    location = flow.authorize(ui_locales="id").headers["Location"]
    picker = flow.web.get(location)
    assert _lang(picker) == "id" and "Pilih organisasi" in _text(picker)
    resp = flow.web.post("/select-organization", data={
        "interaction": query(location)["interaction"], "organization": str(alpha),
        "csrf_token": csrf_token(picker.get_data(as_text=True))})
    refusal = flow.web.get(resp.headers["Location"])
    assert refusal.status_code == 403 and _lang(refusal) == "id"
    text = _text(refusal)
    assert "Tomps Project tidak termasuk dalam paket Anda" in text
    # The person owns Alpha Works: they are told they can change its plan themselves.
    assert "Anda mengelola organisasi ini" in text
    # The client still hears English (RFC 6749 §4.1.2.1): the return link's error_description.
    back = re.search(r'href="([^"]+)"', refusal.get_data(as_text=True).split("class=\"button\"")[-1])
    answer = flow.web.get(html.unescape(back.group(1)))
    assert "not included" in query(answer.headers["Location"])["error_description"]


def test_accept_language_id_gives_an_indonesian_login(web, clean):
    page = web.get("/login", headers={"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"})
    assert _lang(page) == "id" and "Masuk" in _text(page) and "Sign in" not in _text(page)
    assert _lang(web.get("/login", headers={"Accept-Language": "fr-FR"})) == "en"


def test_default_locale_setting(app, web, clean, configure):
    configure(default_locale="id")
    assert _lang(web.get("/login", headers={"Accept-Language": "fr"})) == "id"


def test_discovery_lists_ui_locales_supported(web, clean):
    doc = web.get("/.well-known/openid-configuration").get_json()
    assert doc["ui_locales_supported"] == ["en", "id"]


def test_oauth_errors_to_clients_stay_english(web, clean, third_party):
    resp = web.get("/oauth2/token", headers={"Accept-Language": "id"})
    assert resp.status_code in (400, 405)
    if resp.is_json:
        assert "tidak" not in (resp.get_json().get("error_description") or "")
