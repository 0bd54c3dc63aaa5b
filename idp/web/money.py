"""Money as people read it: ``format_money(amount, currency)`` in the request's language.

Indonesian writes "Rp 1.500.000" (the symbol, a space, dots between thousands, no decimals
for a whole amount); English "IDR 1,500,000.00" (the ISO 4217 code, commas, the minor
unit). Babel (CLDR) does the grouping and decimal signs; without it the same patterns are
applied by hand.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from . import i18n

try:  # Babel is a dependency (pyproject.toml); the fallback keeps pages up without it
    from babel.numbers import format_currency
except ImportError:  # pragma: no cover
    format_currency = None

SYMBOLS = {"id": {"IDR": "Rp"}}


def format_money(amount, currency: str, locale: str | None = None) -> str:
    """``amount`` of ``currency`` as the request's language (or ``locale``) writes it."""
    locale = locale or i18n.locale()
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}"
    currency = (currency or "").upper()
    if locale == "id":
        whole = value == value.to_integral_value()
        pattern = "¤ #,##0" if whole else "¤ #,##0.00"
        if format_currency is not None:
            return format_currency(value, currency, format=pattern, locale="id",
                                   currency_digits=False)
        symbol = SYMBOLS["id"].get(currency, currency)
        text = f"{value:,.0f}" if whole else f"{value:,.2f}"
        return f"{symbol} " + text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    if format_currency is not None:
        return format_currency(value, currency, format="¤¤ #,##0.00", locale="en",
                               currency_digits=False)
    return f"{currency} {value:,.2f}"
