"""The ASGI front: the Flask app on a thread pool, and responses handed over to the loop.

gunicorn runs the IdP with an asyncio worker (idp/web/asgi_worker.py). Every request is
one WSGI call of the Flask app on a pool thread, as under gunicorn's gthread worker: the
request body is read first (Flask's MAX_CONTENT_LENGTH applies: a larger declared body
is not read and Flask answers 413), the view runs, and the whole response goes back to
the event loop in one step, one thread hop per request.

A view may *hand over* the rest of its response (``hand_over``): it answers the start as
usual (status 200, headers, a first chunk) and gives an object that produces the rest
(``async for chunk in it``) and is always closed (``await it.aclose()``), whether it ran
or not. The pool thread is free at once; the event loop streams the rest and closes it
when it ends, when the client disconnects (``http.disconnect``) or when the server
stops (``on_shutdown`` hooks run first, so streams end instead of holding the worker).
/account/events uses this to hold no request thread while it waits
(idp/web/live.py). Outside the front (Flask's test client, any plain WSGI server)
``front_of(environ)`` is None and such a view answers without handing over.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from .loop_routes import LoopRoutes

log = logging.getLogger(__name__)
ENVIRON_FRONT = "idp.asgi.front"
ENVIRON_HANDOVER = "idp.asgi.handover"


class Handover(Protocol):
    def __aiter__(self): ...

    async def aclose(self) -> None: ...


def front_of(environ) -> ASGIFront | None:
    """The ASGI front serving this request, or None (test client, plain WSGI server)."""
    return environ.get(ENVIRON_FRONT)


def hand_over(environ, rest: Handover) -> None:
    """Let the event loop produce the rest of this (200) response from ``rest``."""
    environ[ENVIRON_HANDOVER] = rest


class ASGIFront:
    """An ASGI 3 application serving the WSGI ``wsgi_app`` on ``threads`` pool threads."""

    def __init__(self, wsgi_app, threads: int = 4):
        self.wsgi_app = wsgi_app
        self.threads = threads
        self.loop: asyncio.AbstractEventLoop | None = None
        self.state: dict = {}  # per-process helpers of the views (the live-update hub)
        self._executor: ThreadPoolExecutor | None = None
        self._shutdown_hooks: list[Callable[[], None]] = []
        config = getattr(wsgi_app, "config", {})
        self.max_body = config.get("MAX_CONTENT_LENGTH") or 1024 * 1024
        settings = config.get("IDP")
        self.tcp_user_timeout = settings.tcp_user_timeout if settings else 0
        self.loop_routes = LoopRoutes.of(wsgi_app)  # discovery, JWKS: no thread hop
        self._loop_store = None  # userinfo, introspection: the loop's connections
        self._loop_store_made = False

    def set_threads(self, threads: int) -> None:
        """Size the pool (gunicorn's ``--threads``); before the first request."""
        self.threads = threads

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="wsgi")
        return self._executor

    def loop_store(self):
        """This loop's Postgres and Redis connections (storage/hot_async.py), made on first
        use; None on the embedded default (the handlers then leave every request to Flask)."""
        if not self._loop_store_made:
            from ..storage.hot_async import for_app

            self._loop_store_made = True
            try:
                self._loop_store = for_app(self.wsgi_app)
            except Exception:  # the thread path still serves everything
                log.exception("no loop store: userinfo and introspection go through Flask")
        return self._loop_store

    def on_shutdown(self, hook: Callable[[], None]) -> None:
        """Run ``hook()`` on the loop when the server starts to stop."""
        self._shutdown_hooks.append(hook)

    def begin_shutdown(self) -> None:
        hooks, self._shutdown_hooks = self._shutdown_hooks, []
        for hook in hooks:
            try:
                hook()
            except Exception:  # one failing hook must not stop the others
                log.exception("shutdown hook failed")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.loop = asyncio.get_running_loop()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.begin_shutdown()
                if self._loop_store is not None:
                    await self._loop_store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope, receive, send):
        loop = self.loop = asyncio.get_running_loop()
        answer = self.loop_routes.answer(scope) if self.loop_routes is not None else None
        if answer is not None:
            status, headers, body = answer
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        body = await self._body(scope, receive)
        if body is None:
            await _too_large(send)
            return
        if self.loop_routes is not None and self.loop_routes.handler_of(scope) is not None:
            answer = await self.loop_routes.handle(scope, body, self.loop_store())
            if answer is not None:
                status, headers, payload = answer
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": payload})
                return
        environ = build_environ(scope, body)
        environ[ENVIRON_FRONT] = self
        status, headers, chunks = await loop.run_in_executor(self.executor, self._call, environ)
        rest = environ.get(ENVIRON_HANDOVER)
        if rest is not None and status != 200:
            await rest.aclose()  # an error after the view handed over: send the error
            rest = None
        if rest is not None:  # the length of the first chunk is not the response's
            headers = [(k, v) for k, v in headers if k != b"content-length"]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"".join(chunks),
                    "more_body": rest is not None})
        if rest is not None:
            await _stream(rest, receive, send)

    async def _body(self, scope, receive) -> bytes | None:
        """The request body. A declared length over the limit is not read (Flask answers
        413); an undeclared (chunked) body over it is None: the front answers 413."""
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            return b""
        parts, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > self.max_body:
                return None
            more = message.get("more_body", False)
        return b"".join(parts)

    def _call(self, environ):
        """Run the WSGI app on a pool thread; return (status, headers, body chunks)."""
        started: list = []
        chunks: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            if exc_info and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [int(status.split(" ", 1)[0]),
                          [(k.lower().encode("latin-1"), v.encode("latin-1"))
                           for k, v in headers]]
            return chunks.append

        iterable = self.wsgi_app(environ, start_response)
        try:
            chunks.extend(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        return started[0], started[1], chunks


async def _stream(rest: Handover, receive, send) -> None:
    """Send what ``rest`` produces until it ends or the client goes; always close it."""
    async def pump():
        async for chunk in rest:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

    sending = asyncio.ensure_future(pump())
    watching = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait({sending, watching}, return_when=asyncio.FIRST_COMPLETED)
        gone = watching.done()
        if sending.done() and not sending.cancelled() and sending.exception():
            log.error("handed-over response failed", exc_info=sending.exception())
    finally:
        for task in (sending, watching):
            task.cancel()
        for task in (sending, watching):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await rest.aclose()
    if not gone:
        await send({"type": "http.response.body", "body": b""})


async def _too_large(send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": b"Request Entity Too Large\n"})


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def build_environ(scope, body: bytes) -> dict:
    """The WSGI environ (PEP 3333) of an ASGI HTTP scope whose body was read."""
    root, path = scope.get("root_path", ""), scope["path"]
    if root and path.startswith(root):
        path = path[len(root):]
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = client[0], str(client[1])
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = "HTTP_" + name
        value = raw_value.decode("latin-1")
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ
