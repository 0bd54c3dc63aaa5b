"""Real back-channel receivers (http.server threads on free loopback ports) standing
for Building, Project and Asset, their clients, and a signed-in browser."""

from __future__ import annotations

import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from tests.helpers.waiting import eventually
from tests.helpers.web import login

PRODUCTS = ("building", "project", "asset")


class Receiver:
    """A relying party's back-channel logout endpoint: records every POST.

    It binds its port once and keeps it until ``stop()`` (teardown): a test never gives
    the port back and binds it again, which another process could take in between.
    To fail on demand it answers ``status`` (say 503), or with ``refusing`` set resets
    each connection before reading it, as a receiver that is down would.
    """

    def __init__(self, name: str):
        self.name = name
        self.status = 200
        self.delay = 0.0
        self.refusing = False
        self.received: list[dict] = []  # {"token", "content_type", "at", "status"}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/backchannel-logout"

    @property
    def tokens(self) -> list[str]:
        return [r["token"] for r in self.received]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def handle(self):
                if receiver.refusing:  # close with an RST, unread: "connection failed"
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    return
                super().handle()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                token = parse_qs(body).get("logout_token", [None])[0]
                time.sleep(receiver.delay)
                status = receiver.status
                receiver.received.append({"token": token, "at": time.monotonic(),
                                          "content_type": self.headers.get("Content-Type"),
                                          "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True,
                         kwargs={"poll_interval": 0.05}).start()
        return self

    def stop(self) -> None:
        """Shut the server down and give its port back (at the end of the test)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Return True once ``count`` POSTs arrived; fail the test after ``timeout``."""
        return eventually(lambda: len(self.received) >= count, timeout,
                          message=f"{self.name} got {len(self.received)} of {count} POSTs")


@pytest.fixture
def receivers():
    """Three receivers, started (a test makes one fail with ``status`` or ``refusing``)."""
    started = {name: Receiver(name).start() for name in PRODUCTS}
    yield started
    for receiver in started.values():
        receiver.stop()


@pytest.fixture
def rp_clients(make_client, receivers):
    """One client per product, each with its receiver as back-channel logout URI."""
    return {name: make_client(name=f"Tomps {name.title()}", product=name,
                              redirect_uri=f"https://{name}.example/cb",
                              post_logout_redirect_uris=[f"https://{name}.example/bye",
                                                         f"https://{name}.example/out?lang=en"],
                              backchannel_logout_uri=receiver.url)
            for name, receiver in receivers.items()}


def mint_id_token(app, client_id: str, subject, sid: str | None = None, lifetime: int = 3600,
                  **extra) -> str:
    """An ID token as the OIDC part issues it (iss, sub, aud, sid, iat, exp), signed by our key."""
    from idp import clock
    from idp.keystore.signer import sign

    now = clock.timestamp()
    claims = {"iss": app.config["IDP"].issuer, "sub": str(subject), "aud": client_id, "iat": now,
              "exp": now + lifetime, "auth_time": now, **extra}
    if sid:
        claims["sid"] = sid
    with app.app_context():
        return sign(claims)


@pytest.fixture
def signed_in(app, web, user, rp_clients):
    """A browser signed in, its SSO session used by all three products; returns the sid."""
    from idp.sessions import store as sso

    login(web, user["email"], user["password"])
    with app.app_context():
        (live,) = sso.list_for_user(user["id"])
        for client in rp_clients.values():
            sso.add_client(live, client["client_id"])
        return live.sid


def run_worker(app) -> int:
    """`idp worker --once`, in-process."""
    from idp.worker import run_once

    with app.app_context():
        return run_once()


def deliveries(app) -> list[dict]:
    from idp.sessions import backchannel

    with app.app_context():
        return [backchannel.describe(r) for r in backchannel.list_deliveries(limit=1000)]
