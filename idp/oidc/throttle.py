"""Per-client rate limits on the machine endpoints (token, revocation, introspection).

The client is *identified* (not authenticated) from HTTP Basic or the form's
``client_id`` (RFC 6749 §2.3.1), and counted before any work — in particular
before the slow secret hash. A client_id we do not know is counted in one
shared ``unknown`` bucket, so random client_ids cannot create unbounded
counters in the store, and a flood of them cannot exhaust a real client's
budget. Past the limit ``idp.ratelimit.RateLimited`` is raised; the app's
error handler answers 429 + Retry-After + ``temporarily_unavailable``.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from ..ratelimit import limit_client
from .client_cache import lookup

UNKNOWN = "unknown"


def claimed_client_id(request) -> str | None:
    """The client_id a request names (Basic user name, else the form), unverified."""
    auth = request.headers.get("Authorization", "")
    if auth[:6].lower() == "basic ":
        try:
            raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        # RFC 6749 §2.3.1: the id is form-urlencoded before Basic encoding.
        return unquote(raw.partition(":")[0]) or None
    value = request.form.get("client_id")
    return value if isinstance(value, str) and value else None


def limit(request, endpoint: str = "token") -> str | None:
    """Count one request of the client it names; return that client_id when known."""
    client_id = claimed_client_id(request)
    # The process's client cache answers this: no database round trip per request.
    known = client_id if _registered(client_id) else None
    bucket = known or UNKNOWN
    limit_client(bucket if endpoint == "token" else f"{bucket}:{endpoint}")
    return known


def _registered(client_id) -> bool:
    return isinstance(client_id, str) and 0 < len(client_id) <= 64 and lookup(client_id) is not None
