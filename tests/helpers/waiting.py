"""Waiting in tests: poll a condition until it holds, and fail when it never does.

Never ``sleep`` and hope: ``eventually(lambda: receiver.received)`` returns the first
truthy value of the condition, or fails the test with ``message`` after ``timeout``
seconds, so a test cannot pass because nothing happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(condition: Callable[[], T], timeout: float = 5.0, interval: float = 0.02,
               message: str = "") -> T:
    """Return ``condition()`` once it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"timed out after {timeout} s waiting for "
                                 f"{getattr(condition, '__name__', 'a condition')}")
        time.sleep(interval)
