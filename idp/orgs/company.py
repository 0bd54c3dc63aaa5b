"""An organisation's company information (for invoices): one set of rules for every caller.

``idp orgs create|update`` and the account page's company form both check each field
here, so a value one accepts the other accepts too. Each field is stripped; empty means
none. Country codes are the officially assigned ISO 3166-1 alpha-2 codes (countries.py),
upper-cased. No control characters anywhere (a NUL cannot even be stored), except line
breaks and tabs in the address. Which fields a form *requires* is the page's business.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..accounts.users import UserError, validate_email
from .countries import ISO_ALPHA2
from .errors import OrgError

FIELDS = ("legal_name", "tax_id", "address", "country", "billing_email", "timezone")
MAX_LENGTH = {"legal_name": 300, "tax_id": 64, "address": 1000, "billing_email": 320,
              "timezone": 64}
_TAX_ID = re.compile(r"[A-Za-z0-9./ -]*")


def check(field: str, value: str | None) -> str | None:
    """The field's value as stored (None when empty); OrgError saying why when refused."""
    if field not in FIELDS:
        raise OrgError(f"unknown company field {field[:40]!r}")
    value = (value or "").strip()
    if not value:
        return None
    label = field.replace("_", " ")
    limit = MAX_LENGTH.get(field)  # a country is checked against the list instead
    if limit is not None and len(value) > limit:
        raise OrgError(f"{label} must be at most {limit} characters")
    if _control_characters(value, field == "address"):
        raise OrgError(f"{label} must not contain control characters")
    if field == "tax_id" and not _TAX_ID.fullmatch(value):
        raise OrgError("tax id may hold only letters, digits, dots, dashes, slashes and spaces")
    if field == "country":
        value = value.upper()
        if value not in ISO_ALPHA2:
            raise OrgError("country must be an ISO 3166-1 alpha-2 code such as ID")
    if field == "timezone" and not _known_zone(value):
        raise OrgError(f"time zone must be an IANA name such as Asia/Jakarta, got {value[:64]!r}")
    if field == "billing_email":
        try:
            value = validate_email(value)
        except UserError:
            raise OrgError(f"billing email is not a valid email address: {value[:80]!r}") from None
    return value


def _known_zone(name: str) -> bool:
    """An IANA time zone (pages show the organisation's times in it; stored times are UTC)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


def checked(fields: dict) -> dict:
    """Check the fields given: None means "leave as is", "" means "clear" (stored as None)."""
    return {key: check(key, value) for key, value in fields.items() if value is not None}


def _control_characters(value: str, multiline: bool) -> bool:
    allowed = "\n\r\t" if multiline else ""
    return any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in value)
