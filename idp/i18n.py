"""Languages, messages and formats: gettext catalogues (Flask-Babel) and Babel formatting.

The messages live in .po catalogues inside the package (idp/translations/<lang>/
LC_MESSAGES/messages.po, compiled to messages.mo next to them; idp/translations/README.md
says how to extract and update them). English is the source language; ``id`` is Bahasa
Indonesia. This module is the foundation every layer uses: pages choose the language of a
request (idp/web/i18n.py), processes such as the reminder worker choose it per recipient
with :func:`in_locale`.

Money, dates and times are formatted by Babel for the language: "Rp 1.500.000" and
"30 Desember 2026" in Indonesian, "IDR 1,500,000.00" and "30 December 2026" in English.
Stored times are UTC; they are shown in the organisation's time zone (``Asia/Jakarta``
unless the organisation has its own, setting ``default_timezone``).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date as _date
from datetime import datetime as _datetime
from datetime import timezone
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import current_app, g, has_app_context
from flask_babel import Babel, force_locale, get_locale
from flask_babel import gettext as _gettext
from flask_babel import lazy_gettext
from flask_babel import ngettext as _ngettext

from . import resources

SUPPORTED = ("en", "id")
# Each language named in itself: the switcher's labels are never translated.
NAMES = {"en": "English", "id": "Bahasa Indonesia"}
DEFAULT_TIMEZONE = "Asia/Jakarta"

babel = Babel()


def N_(text: str) -> str:  # noqa: N802  (gettext's conventional name)
    """Mark ``text`` for extraction without translating it now (gettext_noop).

    For sentences kept in English where they are defined (an OAuth error_description
    sent to clients stays English, RFC 6749 §5.2) and translated where a page shows them.
    """
    return text


def gettext(text: str, **values) -> str:
    """``text`` in the current language, ``%(name)s`` placeholders filled from ``values``."""
    return _gettext(text, **values)


_ = gettext


def ngettext(singular: str, plural: str, num: int, **values) -> str:
    """The plural form of the catalogue for ``num`` (``%(num)s`` is filled too)."""
    return _ngettext(singular, plural, num, **values)


# Codes the pages show (statuses, roles, order kinds), in words.
LABELS = {
    "awaiting_payment": N_("awaiting payment"),
    "paid": N_("paid"),
    "expired": N_("expired"),
    "failed": N_("failed"),
    "refunded": N_("refunded"),
    "cancelled": N_("cancelled"),
    "active": N_("active"),
    "pending": N_("pending"),
    "past_due": N_("past due"),
    "new": N_("new order"),
    "renewal": N_("renewal"),
    "upgrade": N_("upgrade"),
    "downgrade": N_("downgrade"),
    "owner": N_("owner"),
    "admin": N_("admin"),
    "member": N_("member"),
    "unlimited": N_("unlimited"),
    # A plan's limits (orgs/plans.py LIMITS).
    "seats": N_("Seats"),
    "projects": N_("Projects"),
    "assets": N_("Assets"),
    "storage_gb": N_("Storage (GB)"),
}


def label(code: str | None) -> str:
    """A status, role or kind code in words of the current language (unknown: as is)."""
    if code is None:
        return ""
    return gettext(LABELS[code]) if code in LABELS else str(code)


def translate(text: str, **values) -> str:
    """The older ``t()``: a code of :data:`LABELS` in words, else gettext."""
    if text in LABELS and not values:
        return label(text)
    return gettext(text, **values)


def negotiate(tags: str | None) -> str | None:
    """The first supported language of a space-separated list of BCP 47 tags
    (``ui_locales``, OIDC Core §3.1.2.1, in order of preference); None if none is."""
    for tag in (tags or "").split()[:10]:
        primary = tag.replace("_", "-").split("-")[0].lower()
        if primary in SUPPORTED:
            return primary
    return None


def locale() -> str:
    """The language of the current request (or of :func:`in_locale`); the default outside."""
    found = get_locale() if has_app_context() else None
    if found is not None and found.language in SUPPORTED:
        return found.language
    return default_locale()


def default_locale() -> str:
    if has_app_context():
        return current_app.config["IDP"].default_locale
    return "en"


@contextmanager
def in_locale(language: str | None):
    """Render in ``language`` (a person's saved choice) whatever the request's is."""
    with force_locale(negotiate(language) or default_locale()):
        yield


# --- formats -------------------------------------------------------------------------

def _zone(name: str | None):
    """``name``, else the zone of the organisation the page is for (``g.idp_timezone``,
    set by web/current_org.py), else the default zone."""
    page = g.get("idp_timezone") if has_app_context() else None
    fallback = (current_app.config["IDP"].default_timezone if has_app_context()
                else DEFAULT_TIMEZONE)
    for candidate in (name, page, fallback, DEFAULT_TIMEZONE):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return timezone.utc


def money(amount, currency: str = "IDR", language: str | None = None) -> str:
    """"Rp 1.500.000" (id: rupiah without sen) or "IDR 1,500,000.00" (en); in the
    request's language unless ``language`` is given (a mail, the CLI)."""
    if amount is None:
        return "-"
    language, value = negotiate(language) or locale(), Decimal(str(amount))
    if language == "id":
        pattern = "¤ #,##0" if currency == "IDR" else "¤ #,##0.00"
    else:
        pattern = "¤¤ #,##0.00"
    return format_currency(value, currency, format=pattern, locale=language,
                           currency_digits=False)


def number(value) -> str:
    return format_decimal(value, locale=locale())


def date(value, tz: str | None = None) -> str:
    """"30 Desember 2026" / "30 December 2026"; a datetime is shown in ``tz`` first."""
    if value is None:
        return "-"
    if isinstance(value, _datetime):
        value = _aware(value).astimezone(_zone(tz)).date()
    return format_date(value, "d MMMM y", locale=locale())


def datetime(value, tz: str | None = None) -> str:
    """"30 Desember 2026 14.00 WIB" / "30 December 2026 14:00 WIB": stored UTC, shown in
    the organisation's time zone (``tz``, else the default zone)."""
    if value is None:
        return "-"
    if isinstance(value, _date) and not isinstance(value, _datetime):
        return date(value)
    zone = _zone(tz)
    local = _aware(value).astimezone(zone)
    clock = format_datetime(local, "HH:mm" if locale() == "en" else "HH.mm", locale=locale())
    return f"{date(local)} {clock} {_zone_name(local)}"


def _zone_name(local: _datetime) -> str:
    """Indonesia's own abbreviations (WIB, WITA, WIT); elsewhere the zone's."""
    return local.tzname() or "UTC"


def _aware(value: _datetime) -> _datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def language_name(code: str) -> str:
    return NAMES.get(code) or Locale.parse(code).get_display_name(code)


def init_app(app, locale_selector) -> None:
    """Bind Flask-Babel (catalogues from the package) and give templates the helpers."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(resources.path("translations"))
    babel.init_app(app, default_locale=app.config["IDP"].default_locale,
                   locale_selector=locale_selector)
    env = app.jinja_env
    # Flask-Babel installs gettext/ngettext/_ (new style: %(name)s, autoescaped values).
    env.globals.update(t=translate, label=label, N_=N_)
    env.filters.update(money=money, date=date, datetime=datetime, number=number, label=label)


__all__ = ["SUPPORTED", "NAMES", "N_", "_", "gettext", "ngettext", "lazy_gettext", "label",
           "translate", "negotiate", "locale", "in_locale", "money", "date", "datetime",
           "init_app"]
