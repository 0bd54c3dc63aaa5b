"""Money as people read it: ``format_money(amount, currency)`` in the request's language.

One implementation: :func:`idp.i18n.money` (Babel/CLDR, the ``money`` template filter);
this name stays for the pages and mails that call it with an explicit ``locale``.
Indonesian writes "Rp 1.500.000", English "IDR 1,500,000.00".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .. import i18n


def format_money(amount, currency: str, locale: str | None = None) -> str:
    """``amount`` of ``currency`` as the request's language (or ``locale``) writes it."""
    try:
        Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}"
    currency = (currency or "").upper() or "IDR"
    return i18n.money(amount, currency, locale)
