"""Exact GET paths answered on the event loop: discovery and JWKS without Flask.

Relying parties fetch the discovery document and the JWKS far more often than anything
else, and both are bytes prepared once per key generation (oidc/endpoints/discovery.py,
jwks.py). Going through Flask for them costs a thread hop, a request context, the URL
map, the session interface, the CSRF check and a Response object: ~0.2 ms of CPU for a
few hundred bytes. The ASGI front (web/asgi.py) asks ``LoopRoutes.answer`` first; it
answers a GET or HEAD of a registered path straight from the prepared bytes, with what
the Flask path would have added (RFC 9110 §8.8.3 ETag and §13.1.2 If-None-Match → 304
with the same ETag and Cache-Control, §15.4.5; X-Request-ID; the security headers; the
metrics and the access line), and returns None whenever the bytes are not there or may
be stale (first request of a worker, the signer's cache due for its reload, a revocation
just announced): then Flask serves the request as before and prepares them again.

A producer is ``producer(app) -> (body, etag, cache_control) | None``; it runs on the
event loop, so it must not block (no database, no store).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from ..ops.logging import SANE_REQUEST_ID, access_log
from ..ops.metrics import observe
from .headers import plain_headers

LOOP_ROUTES = "idp.loop_routes"
Producer = Callable[[object], "tuple[bytes, str, str] | None"]


def register(app, path: str, producer: Producer) -> None:
    """Answer GET/HEAD ``path`` on the loop from ``producer(app)`` while it has bytes."""
    app.extensions.setdefault(LOOP_ROUTES, {})[path] = producer


class LoopRoutes:
    """The registered paths of one app, with the headers every answer carries."""

    def __init__(self, app, routes: dict[str, Producer]):
        self.app, self.routes = app, routes
        self.fixed = [(k.lower().encode(), v.encode()) for k, v in plain_headers(app)]
        self.proxies = app.config["IDP"].trusted_proxy_count

    def _remote_addr(self, scope, headers) -> str:
        """As werkzeug's ProxyFix gives it: the n-th X-Forwarded-For hop from the right."""
        hops = headers.get(b"x-forwarded-for", b"").decode("latin-1").split(",")
        if self.proxies and len(hops) >= self.proxies and hops[-self.proxies].strip():
            return hops[-self.proxies].strip()
        return (scope.get("client") or ("",))[0]

    @classmethod
    def of(cls, app) -> LoopRoutes | None:
        routes = getattr(app, "extensions", {}).get(LOOP_ROUTES)
        return cls(app, routes) if routes else None

    def answer(self, scope) -> tuple[int, list, bytes] | None:
        """(status, headers, body) for this request, or None: let Flask serve it."""
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            return None
        root, path = scope.get("root_path", ""), scope["path"]
        if root and path.startswith(root):
            path = path[len(root):]
        producer = self.routes.get(path)
        if producer is None:
            return None
        started = time.perf_counter()
        headers = dict(scope.get("headers", ()))
        if headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers:
            return None  # a GET with a body: Flask's rules apply
        prepared = producer(self.app)
        if prepared is None:
            return None
        body, etag, cache_control = prepared
        tag = f'"{etag}"'.encode()
        out = [(b"cache-control", cache_control.encode()), (b"etag", tag)]
        if _holds(headers.get(b"if-none-match"), tag):
            status = 304
            body = b""
        else:
            status = 200
            out += [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]
            if method == "HEAD":
                body = b""
        offered = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = offered if offered and SANE_REQUEST_ID.match(offered) else os.urandom(16).hex()
        out.append((b"x-request-id", rid.encode()))
        out += self.fixed
        observe(path, method, status, time.perf_counter() - started)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info("%s %s %s", method, path, status, extra={
                "method": method, "path": path, "status": status, "request_id": rid,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "remote_addr": self._remote_addr(scope, headers)})
        return status, out, body


def _holds(if_none_match: bytes | None, tag: bytes) -> bool:
    """RFC 9110 §13.1.2: If-None-Match by weak comparison; ``*`` matches any."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == tag:
            return True
    return False
