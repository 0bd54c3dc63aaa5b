"""Bahasa Indonesia everywhere (issue 14): catalogues complete, every template's text
through gettext, the switcher sticks, Babel formats money and dates."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import nodes

from idp import i18n, i18n_tools, resources
from idp.web.i18n import COOKIE

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)

TEMPLATES = resources.path("templates")
# What a page may show untranslated: proper names and symbols.
PROPER = {"Tomps", "Identity", "Building", "Project", "Asset", "English", "Bahasa", "Indonesia"}
VISIBLE_ATTRIBUTES = re.compile(
    r'\b(placeholder|title|aria-label|alt)="([^"]*)"|<input[^>]*type="(?:submit|button)"[^>]*'
    r'value="([^"]*)"', re.I)
GETTEXT = {"_", "gettext", "ngettext", "N_", "t", "label", "lazy_gettext"}


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z']+", text) if w not in PROPER]


def untranslated(env, source: str) -> list[str]:
    """Text of a template a person reads that does not go through gettext: text between
    tags, visible attributes (placeholder, title, aria-label, alt, a button's value) and
    string literals printed by ``{{ }}`` outside a gettext call."""
    found = []
    # Jinja's own blocks become a mark with no letters; what is left is the HTML people read.
    skeleton = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "\u2042", source, flags=re.S)
    skeleton = re.sub(r"<(script|style)\b.*?</\1>", " ", skeleton, flags=re.S)
    for match in VISIBLE_ATTRIBUTES.finditer(skeleton):
        value = next(v for v in match.groups()[1:] if v is not None)
        if _words(value):
            found.append(f"attribute: {match.group(0)}")
    for text in re.split(r"<[^>]*>", skeleton):
        if _words(html.unescape(text)):
            found.append(f"text: {text.strip()!r}")
    for output in env.parse(source).find_all(nodes.Output):
        for child in output.nodes:
            if not isinstance(child, nodes.TemplateData):
                found.extend(_printed_literals(child))
    return found


def _printed_literals(node, inside_gettext=False) -> list[str]:
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        inside_gettext = inside_gettext or node.node.name in GETTEXT
        if node.node.name in ("url_for", "csrf_token"):
            return []
    if isinstance(node, nodes.Filter) and node.name in ("label",):
        inside_gettext = True
    if isinstance(node, (nodes.Compare, nodes.Getitem, nodes.Test)):
        return []
    if isinstance(node, nodes.Const) and isinstance(node.value, str) and not inside_gettext:
        return [f"literal: {node.value!r}"] if " " in node.value and _words(node.value) else []
    found = []
    for child in node.iter_child_nodes():
        found.extend(_printed_literals(child, inside_gettext))
    return found


@pytest.mark.parametrize("name", sorted(str(p.relative_to(TEMPLATES))
                                        for p in TEMPLATES.rglob("*.html")))
def test_no_template_text_outside_gettext(app, name):
    assert untranslated(app.jinja_env, (TEMPLATES / name).read_text()) == []


def test_the_template_check_finds_untranslated_text(app):
    bad = ('<h1>Sign in</h1><input placeholder="Your email"><p>{{ _("ok") }}</p>'
           '<button title="Send it">{{ "Go there" }}</button><p>{{ _("fine") }} Tomps</p>'
           '<a href="{{ url_for("x") }}" aria-label="Back home">x</a>')
    found = untranslated(app.jinja_env, bad)
    assert any("Sign in" in f for f in found) and any("Your email" in f for f in found)
    assert any("Send it" in f for f in found) and any("Go there" in f for f in found)
    assert any("Back home" in f for f in found)
    assert untranslated(app.jinja_env, '<p>{{ _("Sign in") }} · Tomps</p>') == []


# --- the catalogues ---------------------------------------------------------------

def test_the_id_catalogue_is_complete_and_not_fuzzy():
    assert i18n_tools.problems("id") == []


def test_every_extracted_message_is_in_the_catalogues(tmp_path, monkeypatch):
    """messages.pot is what pybabel extracts now, and both .po files hold all of it."""
    monkeypatch.setattr(i18n_tools, "POT", tmp_path / "messages.pot")
    i18n_tools.extract()
    with open(tmp_path / "messages.pot", "rb") as fh:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    for language in ("en", "id"):
        with open(i18n_tools.po_path(language), "rb") as fh:
            held = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
        assert extracted - held == set(), f"{language}: run python -m idp.i18n_tools all"


def test_the_compiled_catalogue_matches_its_po():
    po_file = i18n_tools.po_path("id")
    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    with open(po_file, "rb") as fh:
        po = {plain(m.id): plain(m.string) for m in read_po(fh, locale="id")
              if m.id and m.string}
    with open(po_file.with_suffix(".mo"), "rb") as fh:
        mo = {plain(m.id): plain(m.string) for m in read_mo(fh) if m.id}
    assert po == mo, "messages.mo is stale: python -m idp.i18n_tools compile"


def test_the_catalogue_check_finds_missing_fuzzy_and_placeholder_mistakes(tmp_path, monkeypatch):
    folder = tmp_path / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Sign in"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Sign out"\nmsgstr "Keluar"\n\n'
        'msgid "Hello %(name)s"\nmsgstr "Halo %(nama)s"\n\n'
        'msgid "Fine"\nmsgstr "Baik"\n')
    monkeypatch.setattr(i18n_tools, "HERE", tmp_path)
    found = i18n_tools.problems("xx")
    assert any(f.startswith("missing: 'Sign in'") for f in found)
    assert any(f.startswith("fuzzy: 'Sign out'") for f in found)
    assert any(f.startswith("placeholders differ: 'Hello") for f in found)
    assert not any("'Fine'" in f for f in found)


def test_plurals_come_from_the_catalogue(app):
    with app.test_request_context("/"):
        with i18n.in_locale("en"):
            assert i18n.ngettext("per %(num)s day", "per %(num)s days", 1) == "per 1 day"
            assert i18n.ngettext("per %(num)s day", "per %(num)s days", 30) == "per 30 days"
        with i18n.in_locale("id"):
            assert i18n.ngettext("per %(num)s day", "per %(num)s days", 30) == "per 30 hari"


def test_the_older_t_and_dictionary_names_still_work(app):
    from idp.web.i18n import _, gettext, ngettext, t

    with app.test_request_context("/", headers={"Accept-Language": "id"}):
        assert _("Plans") == gettext("Plans") == "Paket" and t("awaiting_payment") == \
            "menunggu pembayaran"
        assert _("Pay with Midtrans or by bank transfer quoting the reference %(ref)s. This page "
                 "updates itself when the payment is confirmed.", ref="R-1").count("R-1") == 1
        assert ngettext("per %(num)s day", "per %(num)s days", 2) == "per 2 hari"
        assert _("A sentence no catalogue has") == "A sentence no catalogue has"


# --- formats ----------------------------------------------------------------------

def test_money_and_dates_for_the_language(app):
    moment = datetime(2026, 12, 30, 7, 0, tzinfo=timezone.utc)  # 14:00 in Jakarta
    with app.test_request_context("/"):
        with i18n.in_locale("id"):
            assert i18n.money(Decimal("1500000.00"), "IDR") == "Rp 1.500.000"
            assert i18n.date(date(2026, 12, 30)) == "30 Desember 2026"
            assert i18n.datetime(moment) == "30 Desember 2026 14.00 WIB"
        with i18n.in_locale("en"):
            assert i18n.money(Decimal("1500000.00"), "IDR") == "IDR 1,500,000.00"
            assert i18n.date(date(2026, 12, 30)) == "30 December 2026"
            assert i18n.datetime(moment) == "30 December 2026 14:00 WIB"
            # The organisation's zone when it has one; the date moves with it.
            assert i18n.datetime(datetime(2026, 12, 30, 20, 0, tzinfo=timezone.utc),
                                 "Asia/Jayapura") == "31 December 2026 05:00 WIT"
            assert i18n.date(None) == "-" and i18n.money(None) == "-"


def test_template_filters(app):
    with app.test_request_context("/", headers={"Accept-Language": "id"}):
        rendered = app.jinja_env.from_string(
            "{{ 1500000|money('IDR') }} | {{ d|date }} | {{ 'paid'|label }}").render(
            d=date(2026, 12, 30))
    assert rendered == "Rp 1.500.000 | 30 Desember 2026 | lunas"


# --- the switcher -----------------------------------------------------------------

def _lang(resp) -> str:
    return re.search(r'<html lang="([^"]+)"', resp.get_data(as_text=True)).group(1)


def test_the_switcher_changes_the_language_of_the_pages_that_follow(web, clean):
    page = web.get("/login")
    assert _lang(page) == "en" and 'name="lang" value="id"' in page.get_data(as_text=True)
    resp = web.post("/language", data={"lang": "id", "next": "/login?interaction=abc"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/login?interaction=abc"
    assert f"{COOKIE}=id" in resp.headers["Set-Cookie"]
    assert _lang(web.get("/login")) == "id" and _lang(web.get("/plans")) == "id"
    assert "Masuk" in web.get("/login").get_data(as_text=True)
    # The choice beats the browser's Accept-Language.
    assert _lang(web.get("/login", headers={"Accept-Language": "en"})) == "id"
    web.post("/language", data={"lang": "en", "next": "/login"})
    assert _lang(web.get("/login", headers={"Accept-Language": "id"})) == "en"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1"])
def test_the_switcher_never_redirects_off_site(web, clean, target):
    resp = web.post("/language", data={"lang": "id", "next": target})
    assert resp.status_code == 303 and resp.headers["Location"] == "/signed-in"


def test_an_unknown_language_changes_nothing(web, clean):
    resp = web.post("/language", data={"lang": "fr", "next": "/login"})
    assert resp.status_code == 303 and "Set-Cookie" not in resp.headers


def test_a_signed_in_persons_choice_is_saved_on_their_profile(app, web, user):
    from tests.helpers.web import login

    login(web, user["email"], user["password"])
    web.post("/language", data={"lang": "id", "next": "/signed-in"})
    with app.app_context():
        from idp.extensions import db
        from idp.storage.models import User

        assert db.session.get(User, user["id"]).locale == "id"
    # Another browser without the cookie: the profile gives the language once signed in.
    other = app.test_client()
    login(other, user["email"], user["password"])
    assert _lang(other.get("/signed-in")) == "id"


def test_a_cross_site_switch_does_not_touch_the_profile(app, web, user):
    from tests.helpers.web import login

    login(web, user["email"], user["password"])
    web.post("/language", data={"lang": "id", "next": "/"},
             headers={"Origin": "https://evil.example"})
    with app.app_context():
        from idp.extensions import db
        from idp.storage.models import User

        assert db.session.get(User, user["id"]).locale is None


def test_html_lang_on_every_page_and_error_page(web, clean):
    for path in ("/login", "/plans", "/no-such-page", "/consent?interaction=nope"):
        assert _lang(web.get(path, headers={"Accept-Language": "id"})) == "id", path
    page = web.get("/no-such-page", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Halaman tidak ditemukan" in page


def test_markup_in_values_is_escaped(app):
    with app.test_request_context("/"):
        out = app.jinja_env.from_string('{{ _("Signed in as %(email)s.", email=e) }}').render(
            e="<b>x</b>")
    assert "<b>" not in out and "&lt;b&gt;x&lt;/b&gt;" in out


def test_an_untranslated_protocol_sentence_on_a_page_is_a_sentence_and_a_detail(web, clean):
    """A page for a malformed authorization (no redirect: RFC 6749 §4.1.2.1): the library's
    English words are kept as a detail for developers, under a sentence in the language."""
    resp = web.get("/oauth2/authorize?client_id=nobody&response_type=code",
                   headers={"Accept-Language": "id"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400 and '<html lang="id">' in text
    assert "Aplikasi mengirim permintaan yang tidak dapat diproses" in text
    assert "Untuk pengembang aplikasi:" in text
    english = web.get("/oauth2/authorize?client_id=nobody&response_type=code").get_data(as_text=True)
    assert "For the application" not in english
