"""Row ids from the outside world (a command line, a form, a URL): a positive 32-bit
integer written in ASCII digits, or no id at all.

Every id column is a Postgres ``integer``: a larger number is no row — never a
DataError, and never an OverflowError from a driver. ``str.isdigit`` is not the test:
it accepts "²" and other Unicode digits that ``int`` refuses.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def row_id(value) -> int | None:
    """``value`` as a row id, or None when it cannot be one (bools are not ids)."""
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
