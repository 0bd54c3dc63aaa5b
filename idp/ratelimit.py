"""Rate limits in the shared store, so every instance counts against one counter.

A fixed window: the counter's key carries the window number
(``clock.timestamp() // window``), so all instances agree on the window and
tests move it with ``clock.advance``; the store TTL only cleans up. One
``INCR`` per hit: concurrent hits never lose a count.
"""

from __future__ import annotations

from flask import current_app

from . import clock
from .storage.store import get_store


class RateLimited(Exception):
    """Too many requests; rendered as HTTP 429 with ``Retry-After``."""

    def __init__(self, retry_after: int, kind: str = "requests"):
        super().__init__(f"rate limited ({kind}); retry after {retry_after}s")
        self.retry_after = max(1, int(retry_after))
        self.kind = kind


def _window_key(key: str, window: int) -> tuple[str, int]:
    now = clock.timestamp()
    index = now // window
    return f"rl:{key}:{index}", (index + 1) * window - now


def hit(key: str, limit: int, window: int) -> tuple[bool, int]:
    """Count one hit on ``key``; return (allowed, seconds until the window resets)."""
    name, remaining = _window_key(key, window)
    count = get_store().incr(name, ttl=window + 1)
    return count <= limit, (0 if count <= limit else max(1, remaining))


def count(key: str, window: int) -> int:
    """How many hits ``key`` has in the current window."""
    name, _ = _window_key(key, window)
    return int(get_store().get(name) or 0)


def reached(limits: list[tuple[str, int]], window: int) -> int:
    """Seconds until the window resets when any ``(key, limit)`` has reached its limit; else 0.

    Reads every counter in one round trip and counts nothing (the caller decides).
    """
    if not limits:
        return 0
    names = [_window_key(key, window)[0] for key, _ in limits]
    values = get_store().get_many(*names)
    if all(int(value or 0) < limit for value, (_, limit) in zip(values, limits, strict=True)):
        return 0
    return max(1, _window_key(limits[0][0], window)[1])


def reset(key: str, window: int) -> None:
    """Forget the current (and the previous) window of ``key``."""
    name, _ = _window_key(key, window)
    index = int(name.rsplit(":", 1)[1])
    get_store().delete(name, f"rl:{key}:{index - 1}")


def client_counter(client_id: str) -> tuple[str, int, int]:
    """The store key of ``client_id``'s allowance in the current window, its limit and the
    key's TTL: what ``limit_client`` counts (the event loop counts the same key)."""
    settings = current_app.config["IDP"]
    window = settings.token_rate_limit_window
    name, _ = _window_key(_client_key(client_id), window)
    return name, settings.token_rate_limit_per_client, window + 1


def _client_key(client_id: str) -> str:
    return f"client:{str(client_id)[:160]}"


def limit_client(client_id: str) -> None:
    """Count one token-endpoint request of ``client_id``; raise RateLimited past the limit.

    Called once the client has authenticated (idp.oidc.client_auth): failed
    authentications are counted apart, so they never spend this allowance. RFC 6749
    has no rate-limit error; the renderer answers HTTP 429 (RFC 6585 §4) with
    ``Retry-After`` and ``{"error": "temporarily_unavailable"}`` — the RFC 6749
    §4.1.2.1 code for "temporarily overloaded", which every OAuth client
    already handles, rather than RFC 8628's ``slow_down`` (device flow only).
    """
    settings = current_app.config["IDP"]
    allowed, retry_after = hit(_client_key(client_id), settings.token_rate_limit_per_client,
                               settings.token_rate_limit_window)
    if not allowed:
        raise RateLimited(retry_after, "client")
