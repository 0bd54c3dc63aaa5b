"""Run the IdP and the three product apps in one process until Ctrl-C, then stop everything.

Ports: the IdP on ``port`` (issuer ``http://localhost:PORT``), Building on
``port+1``, Project on ``port+2``, Asset on ``port+3``, each app on its own
``*.localhost`` name (browsers resolve those to loopback, RFC 6761 §6.3; the
kit's HTTP does too). Every server listens on 127.0.0.1 only.

The IdP runs on the embedded default (SQLite and the in-process store) in its
own instance directory, so the demo never touches the data of a real ``idp
serve``. One process keeps that store in one place: the four WSGI servers run
in threads next to the IdP's back-channel worker thread, as ``idp serve`` runs
the worker in-process without Redis. ``stop()`` ends every server, the worker
and the database pool; ``run()`` calls it on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, make_server

from ..errors import IdPError
from ..rp.http import session
from .product_app import demo_app
from .seed import PRODUCTS, Seeded, seed

HOST = "127.0.0.1"
READY_TIMEOUT = 30.0


class DemoError(IdPError):
    """The demo cannot start (a port is taken, the IdP does not answer); one line."""


def urls(port: int) -> dict[str, str]:
    """The issuer and each product's base URL for ``port``."""
    out = {"issuer": f"http://localhost:{port}"}
    out.update({p: f"http://{p}.localhost:{port + 1 + i}" for i, p in enumerate(PRODUCTS)})
    return out


@dataclass
class Demo:
    """The running demo: servers, their threads and the IdP's worker."""

    port: int
    idp_app: object = None
    servers: dict[str, BaseWSGIServer] = field(default_factory=dict)
    threads: dict[str, threading.Thread] = field(default_factory=dict)
    worker: tuple | None = None
    seeded: Seeded | None = None

    def bind(self) -> None:
        """Take the four ports now, before anything is seeded (a busy port changes nothing)."""
        for i, name in enumerate(("idp", *PRODUCTS)):
            try:
                listener = _listen(self.port + i)
            except OSError as exc:
                self.stop()
                raise DemoError(f"port {self.port + i} is not free ({exc.strerror}); "
                                "choose others with --port") from None
            with listener:  # the server works on its own duplicate of the socket
                self.servers[name] = make_server(HOST, self.port + i, None, threaded=True,
                                                 fd=listener.fileno())

    def start(self) -> None:
        """Seed the IdP, mount the apps, serve, and start the back-channel worker."""
        from ..extensions import db
        from ..worker import start_in_process

        links = urls(self.port)
        with self.idp_app.app_context():
            self.seeded = seed({p: links[p] for p in PRODUCTS})
            db.session.remove()
        self.servers["idp"].app = self.idp_app
        for product in PRODUCTS:
            client = self.seeded.clients[product]
            config = {"RP_ISSUER": links["issuer"], "RP_CLIENT_ID": client["client_id"],
                      "RP_CLIENT_SECRET": client["client_secret"], "RP_BASE_URL": links[product],
                      "RP_PRODUCT": product, "RP_AUDIENCE": client["audience"]}
            peers = {p: links[p] for p in PRODUCTS if p != product}
            self.servers[product].app = demo_app(config, peers)
        for name, server in self.servers.items():
            thread = threading.Thread(target=server.serve_forever, name=f"demo-{name}", daemon=True)
            thread.start()
            self.threads[name] = thread
        self.worker = start_in_process(self.idp_app)

    def wait_ready(self, stopping: threading.Event) -> None:
        """Return once the IdP and every app answer over HTTP; raise DemoError otherwise."""
        links = urls(self.port)
        checks = [links["issuer"] + "/.well-known/openid-configuration"] + \
                 [links[p] + "/healthz" for p in PRODUCTS]
        deadline = time.monotonic() + READY_TIMEOUT
        with session() as http:
            for url in checks:
                while not _answers(http, url):
                    if stopping.is_set():
                        return
                    if time.monotonic() > deadline:
                        raise DemoError(f"{url} does not answer")
                    stopping.wait(0.1)

    def stop(self) -> None:
        """Stop every server and the worker; give back the database pool."""
        # shutdown() waits for serve_forever to return: only ask the servers that serve.
        stoppers = [threading.Thread(target=self.servers[name].shutdown) for name in self.threads]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join(5)
        for server in self.servers.values():
            server.server_close()
        for thread in self.threads.values():
            thread.join(5)
        if self.worker is not None:
            thread, stop = self.worker
            stop.set()
            thread.join(10)
        self.servers, self.threads, self.worker = {}, {}, None
        if self.idp_app is not None:
            _dispose(self.idp_app)


def _listen(port: int) -> socket.socket:
    """A listening socket on HOST:port (bound here: werkzeug would exit on a busy port)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


def _answers(http, url: str) -> bool:
    try:
        return http.get(url, timeout=2, allow_redirects=False).status_code == 200
    except Exception:  # noqa: BLE001 — not up yet: any failure means "ask again"
        return False


def _dispose(app) -> None:
    from .. import audit
    from ..extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        audit.dispose()
    for unsubscribe in app.extensions.get("idp.unsubscribe", []):
        unsubscribe()


def run(demo: Demo, ready) -> None:
    """Start a bound ``demo``, call ``ready()`` once everything answers, stop on SIGINT/SIGTERM."""
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    try:
        demo.start()
        demo.wait_ready(stopping)
        if not stopping.is_set():
            ready()
        while not stopping.wait(0.5):
            pass
    finally:
        demo.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
