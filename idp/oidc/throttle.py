"""Rate limits on the machine endpoints (token, revocation, introspection).

Two kinds of counter, both in the shared store (``idp.ratelimit``):

- **A client's own allowance** (``token_rate_limit_per_client`` per window) counts
  only requests in which the client *authenticated*. Strangers who merely name a
  client_id spend nothing of it. Keys: ``client:<id>`` at the token endpoint,
  ``client:<id>:revoke`` and ``client:<id>:introspect``. A public client proves
  nothing (anyone can name it), so its allowance is per source address:
  ``client:<id>@<address>``.
- **Failed client authentications** (a wrong secret, an unknown client_id, a
  wrong method, malformed credentials), per source address and per registered
  client, with their own limits (``client_auth_failures_per_ip``,
  ``client_auth_failures_per_client`` per ``client_auth_failure_window``). An
  unknown client_id counts for its address only, so random ids create no keys.

Past a limit ``idp.ratelimit.RateLimited`` is raised; the app's error handler
answers 429 + Retry-After + ``temporarily_unavailable`` (RFC 6585 §4).
"""

from __future__ import annotations

from flask import current_app

from ..ratelimit import hit, limit_client, reached

FAILED = "client-auth-failed"
SUFFIX = {"revocation": ":revoke", "introspection": ":introspect"}  # Authlib endpoint names


def _failure_limits(address: str, client_id: str | None) -> list[tuple[str, int]]:
    settings = current_app.config["IDP"]
    limits = [(f"{FAILED}:ip:{address[:64]}", settings.client_auth_failures_per_ip)]
    if client_id:
        limits.append((f"{FAILED}:client:{client_id}", settings.client_auth_failures_per_client))
    return limits


def failures_reached(address: str, client_id: str | None) -> int:
    """Seconds to wait when the address or the (registered) client is past its failure limit."""
    window = current_app.config["IDP"].client_auth_failure_window
    return reached(_failure_limits(address, client_id), window)


def count_failure(address: str, client_id: str | None) -> None:
    """Count one failed client authentication for the address and the registered client."""
    window = current_app.config["IDP"].client_auth_failure_window
    for key, limit in _failure_limits(address, client_id):
        hit(key, limit, window)


def allowance_bucket(client, endpoint: str, address: str) -> str:
    """The name of the client's allowance at ``endpoint`` (per address for a public client)."""
    bucket = client.client_id if not client.is_public else f"{client.client_id}@{address[:64]}"
    return bucket + SUFFIX.get(endpoint, "")


def count_allowance(client, endpoint: str, address: str) -> None:
    """Count one authenticated request against the client's own allowance (may raise)."""
    limit_client(allowance_bucket(client, endpoint, address))
