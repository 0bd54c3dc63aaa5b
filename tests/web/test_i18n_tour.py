"""Issue 14 "Done when": every page in both languages, and the Indonesian rendering shares
no sentence with the English one (proper names, codes and amounts are exempt). The pages
are those of tests/helpers/i18n_tour.py: TOTP sign-in, consent, picker, refusal, account,
plans, order, pay, renewal, TOTP enrolment, an error page, signing out."""

from __future__ import annotations

import re

import pytest

from tests.helpers.i18n_tour import setup, tour, visible_text

# Words that are the same in both languages or are names: Tomps' products, the language
# names of the switcher, the glossary's loan words used as single labels.
SAME = {"Tomps", "Identity", "Building", "Project", "Asset", "English", "Bahasa", "Indonesia",
        "Email", "Status", "admin", "Admin", "Midtrans", "NPWP", "ID", "Rp", "IDR", "WIB",
        "Suite", "Starter", "Duo", "seats", "Smith",
        "WITA", "WIT", "Asia", "Jakarta", "Makassar", "Jayapura"}  # time zones: names
EXPECTED_STATUS = {"login-failed": 401, "totp-failed": 401, "refusal": 403, "not-found": 404,
                   "company-invalid": 400}


def _names(data) -> list[str]:
    people = [data["ana"], *data["budi"].values()]
    return sorted({"PT Acme Kontraktor", "CV Beta Works", "Laporan Mitra", "Tomps Project",
                   *(p["email"] for p in people), *data["recovery"], "Ana", "Budien", "Budiid"},
                  key=len, reverse=True)


def _sentence(piece: str, names: list[str]) -> bool:
    """Does ``piece`` say something in a language (two or more words that are not names,
    codes or amounts)?"""
    for name in names:
        piece = piece.replace(name, " ")
    piece = re.sub(r"\S*\d\S*", " ", piece)  # codes, references, amounts, dates' numbers
    words = [w for w in re.findall(r"[A-Za-z]{2,}", piece) if w not in SAME]
    return len(words) >= 2


def test_every_page_in_both_languages_shares_no_sentence(app, clean):
    data = setup(app)
    english, indonesian = tour(app, data, "en"), tour(app, data, "id")
    assert english.keys() == indonesian.keys() and len(english) >= 20
    names = _names(data)
    shared = {}
    for name, (status, html) in english.items():
        id_status, id_html = indonesian[name]
        assert status == id_status == EXPECTED_STATUS.get(name, 200), (name, status, id_status)
        assert '<html lang="en">' in html and '<html lang="id">' in id_html, name
        same = {p for p in visible_text(html) if _sentence(p, names)} & set(visible_text(id_html))
        if same:
            shared[name] = sorted(same)
    assert shared == {}
    # The words the customers use on their own order pages (issue 14 item 4).
    assert "Ringkasan Order" in indonesian["order"][1]
    assert "Menunggu Pembayaran" in indonesian["pay"][1]
    assert "No. Pesanan" in indonesian["account"][1] and "Rp 1.500.000" in indonesian["account"][1]
    assert "IDR 1,500,000.00" in english["plans"][1] and "per 30 hari" in indonesian["plans"][1]
    assert "Tomps Building, Tomps Project" in indonesian["plans"][1]
    assert "Desember" in indonesian["account"][1] or "Januari" in indonesian["account"][1] \
        or " WIB" in indonesian["account"][1]
    assert "<td>Suite</td>" in indonesian["order"][1] and "perpanjangan" in indonesian["order"][1]
