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

A *handler* (``register_handler``) answers a machine endpoint that needs Postgres and
Redis — userinfo, introspection (oidc/loop_endpoints.py): ``await handler(app, store,
method, headers, body, address) -> dict | None``, with the loop's own connections
(storage/hot_async.py). A dict is sent as the 200 JSON answer with the headers the
Flask path gives it (``Cache-Control: no-store``, ``Pragma: no-cache``, RFC 6749 §5.1);
None lets Flask serve the request, with the body already read.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable

import orjson

from ..ops.logging import SANE_REQUEST_ID, access_log
from ..ops.metrics import count_loop, observe
from .headers import plain_headers

log = logging.getLogger(__name__)
LOOP_ROUTES = "idp.loop_routes"
LOOP_HANDLERS = "idp.loop_handlers"
Producer = Callable[[object], "tuple[bytes, str, str] | None"]
Handler = Callable[..., Awaitable["dict | None"]]
NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]


def register(app, path: str, producer: Producer) -> None:
    """Answer GET/HEAD ``path`` on the loop from ``producer(app)`` while it has bytes."""
    app.extensions.setdefault(LOOP_ROUTES, {})[path] = producer


def register_handler(app, path: str, handler: Handler) -> None:
    """Let ``handler`` answer ``path`` on the loop when it can (see the module's text)."""
    app.extensions.setdefault(LOOP_HANDLERS, {})[path] = handler


class LoopRoutes:
    """The registered paths of one app, with the headers every answer carries."""

    def __init__(self, app, routes: dict[str, Producer], handlers: dict[str, Handler]):
        self.app, self.routes, self.handlers = app, routes, handlers
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
        extensions = getattr(app, "extensions", {})
        routes, handlers = extensions.get(LOOP_ROUTES), extensions.get(LOOP_HANDLERS)
        return cls(app, routes or {}, handlers or {}) if routes or handlers else None

    def handler_of(self, scope) -> Handler | None:
        """The handler registered for this request's path, if any."""
        return self.handlers.get(_path(scope)) if self.handlers else None

    async def handle(self, scope, body: bytes, store) -> tuple[int, list, bytes] | None:
        """(status, headers, body) when the path's handler answered; None: Flask serves it."""
        handler = self.handler_of(scope)
        if handler is None or store is None:
            return None
        started = time.perf_counter()
        headers = dict(scope.get("headers", ()))
        if b"transfer-encoding" in headers:
            return None
        path, method = _path(scope), scope["method"]
        try:
            answer = await handler(self.app, store, method, headers, body,
                                   self._remote_addr(scope, headers))
        except Exception:  # never worse than the thread path: it serves the request
            log.exception("loop handler of %s failed", path)
            answer = None
        count_loop(path, answer is not None)
        if answer is None:
            return None
        payload = orjson.dumps(answer)
        out = [(b"content-type", b"application/json"),
               (b"content-length", str(len(payload)).encode()), *NO_STORE]
        return self._finish(scope, headers, method, path, 200, out, payload, started)

    def answer(self, scope) -> tuple[int, list, bytes] | None:
        """(status, headers, body) for this request, or None: let Flask serve it."""
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            return None
        path = _path(scope)
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
        return self._finish(scope, headers, method, path, status, out, body, started)

    def _finish(self, scope, headers, method, path, status, out, body, started):
        """The headers every answer carries; the metrics and the access line."""
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


def _path(scope) -> str:
    root, path = scope.get("root_path", ""), scope["path"]
    return path[len(root):] if root and path.startswith(root) else path


def _holds(if_none_match: bytes | None, tag: bytes) -> bool:
    """RFC 9110 §13.1.2: If-None-Match by weak comparison; ``*`` matches any."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == tag:
            return True
    return False
