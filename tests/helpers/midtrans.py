"""A local Midtrans stand-in: a real HTTP server on 127.0.0.1 (a free port) for tests.

It implements the part of Midtrans' documented interface the IdP talks to
(docs.midtrans.com, "GET Status API Requests"):

- ``GET /v2/{order_id}/status`` with HTTP Basic auth, the server key as the user name and
  an empty password. Answers the transaction it holds for that order as JSON:
  ``status_code, status_message, transaction_id, order_id, gross_amount, currency,
  payment_type, transaction_status, fraud_status, signature_key`` where
  ``signature_key = SHA512(order_id + status_code + gross_amount + server_key)``; an order
  it does not know gets ``{"status_code": "404", "status_message": "Transaction doesn't exist."}``
  (HTTP 404, as Midtrans answers). A wrong key gets HTTP 401.

and what Midtrans sends: ``notification(order_id)`` builds an HTTP notification body for the
transaction it holds, signed the way Midtrans signs it; ``send(url, order_id)`` POSTs it.

Failure modes for outage tests (``mode``): ``"ok"``; ``"error"`` (HTTP 500); ``"hang"`` (hold
the request until ``release()`` or 10 s, so the client's timeout fires); ``"garbage"`` (a
body that is not JSON). ``requests`` lists what it received (path, Authorization header).

Later issues add endpoints here (Snap's ``POST /snap/v1/transactions``): one stand-in.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest
import requests

from tests.factories import SERVER_KEY
from tests.helpers.settings import swap_settings

# The status_code Midtrans gives each transaction_status (docs "Status Code").
STATUS_CODES = {"settlement": "200", "capture": "200", "refund": "200", "cancel": "200",
                "partial_refund": "200", "pending": "201", "deny": "202", "authorize": "200",
                "expire": "407", "failure": "202", "chargeback": "200"}


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    return hashlib.sha512((order_id + status_code + gross_amount + server_key).encode()).hexdigest()


class MidtransStandIn:
    """The stand-in's state and server; thread-safe (the IdP calls it from request threads)."""

    def __init__(self, server_key: str = SERVER_KEY):
        self.server_key = server_key
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.transactions: dict[str, dict] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.mode = "ok"
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="midtrans-stand-in")
        self._thread.start()

    # --- state ---
    def reset(self) -> None:
        with self._lock:
            self.transactions.clear()
            self.requests.clear()
            self.mode = "ok"
        self._release.set()
        self._release = threading.Event()

    def set_status(self, order_id: str, transaction_status: str = "settlement",
                   gross_amount: str = "150000.00", transaction_id: str = "tx-1",
                   fraud_status: str | None = "accept", status_code: str | None = None) -> dict:
        """Record what the gateway now says about ``order_id``; return the transaction."""
        record = {"order_id": order_id, "transaction_status": transaction_status,
                  "gross_amount": gross_amount, "transaction_id": transaction_id,
                  "fraud_status": fraud_status, "currency": "IDR",
                  "payment_type": "bank_transfer",
                  "status_code": status_code or STATUS_CODES.get(transaction_status, "200")}
        with self._lock:
            self.transactions[order_id] = record
        return dict(record)

    def forget(self, order_id: str) -> None:
        with self._lock:
            self.transactions.pop(order_id, None)

    def status_of(self, order_id: str) -> dict | None:
        with self._lock:
            record = self.transactions.get(order_id)
            return None if record is None else self._signed(record)

    def _signed(self, record: dict) -> dict:
        signed = {**record, "status_message": "Success, transaction is found",
                  "transaction_time": "2026-11-26 10:00:00"}
        signed["signature_key"] = signature(record["order_id"], record["status_code"],
                                            record["gross_amount"], self.server_key)
        return signed

    def notification(self, order_id: str, **overrides) -> bytes:
        """The HTTP notification Midtrans would POST for the transaction it holds."""
        body = self.status_of(order_id)
        if body is None:
            raise KeyError(order_id)
        body.update(overrides)
        return json.dumps(body).encode()

    def send(self, notify_url: str, order_id: str, **overrides) -> requests.Response:
        """POST the notification for ``order_id`` to ``notify_url``, as Midtrans does."""
        return requests.post(notify_url, data=self.notification(order_id, **overrides),
                             headers={"Content-Type": "application/json"}, timeout=10)

    def hold(self) -> None:
        """Hold every status request until ``release()`` (the client times out first)."""
        self.mode = "hang"

    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    # --- HTTP ---
    def answer(self, path: str, authorization: str | None) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append((path, authorization))
            mode = self.mode
        if mode == "hang":
            self._release.wait(10)
            return 504, b""
        if mode == "error":
            return 500, b'{"status_code": "500", "status_message": "Internal Server Error"}'
        if mode == "garbage":
            return 200, b"<html>gateway says hello</html>"
        expected = "Basic " + base64.b64encode(f"{self.server_key}:".encode()).decode()
        if authorization != expected:
            return 401, json.dumps({"status_code": "401", "status_message":
                                    "Access denied due to unauthorized transaction"}).encode()
        parts = path.split("/")
        if len(parts) != 4 or parts[1] != "v2" or parts[3] != "status":
            return 404, b'{"status_code": "404", "status_message": "Not found"}'
        record = self.status_of(unquote(parts[2]))
        if record is None:
            return 404, json.dumps({"status_code": "404",
                                    "status_message": "Transaction doesn't exist."}).encode()
        return 200, json.dumps(record).encode()


def _handler(stand_in: MidtransStandIn):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status, body = stand_in.answer(self.path, self.headers.get("Authorization"))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture(scope="session")
def midtrans_server():
    server = MidtransStandIn()
    yield server
    server.stop()


@pytest.fixture
def midtrans(app, midtrans_server, monkeypatch):
    """The stand-in, emptied, with the app pointed at it (server key and API base)."""
    midtrans_server.reset()
    swap_settings(monkeypatch, app, midtrans_server_key=midtrans_server.server_key,
                  midtrans_api_url=midtrans_server.url)
    yield midtrans_server
    midtrans_server.release()
