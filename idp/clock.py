"""The one clock. Tests replace it with ``clock.set(...)``; code calls ``now()``."""

from __future__ import annotations

import time
from datetime import UTC, datetime

_offset = 0.0


def now() -> datetime:
    """Return the current UTC time (timezone-aware)."""
    return datetime.fromtimestamp(time.time() + _offset, tz=UTC)


def timestamp() -> int:
    """Return the current time in epoch seconds."""
    return int(time.time() + _offset)


def monotonic() -> float:
    """Seconds on a monotonic clock that ``advance`` moves too (the in-process store's TTLs)."""
    return time.monotonic() + _offset


def advance(seconds: float) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += seconds


def reset() -> None:
    """Undo every ``advance`` (tests only)."""
    global _offset
    _offset = 0.0
