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

Snap (docs.midtrans.com, Snap "Backend integration"): ``POST /snap/v1/transactions`` with
the same Basic auth and a JSON body; answers HTTP 201 ``{token, redirect_url}``; a wrong key
gets 401, a body it refuses 400 ``{error_messages: [...]}`` (order_id missing or already
used, gross_amount not a positive integer, item_details not adding up to gross_amount).
``snaps`` lists the bodies it accepted. The ``redirect_url`` is a page of the stand-in
(``GET /snap/v4/redirection/<token>``) with a "Pay" button: ``POST`` there settles the
transaction, sends the notification to ``notify_url`` (when set) the way Midtrans does, and
redirects the browser to the order's ``callbacks.finish`` with Midtrans' query string.
``pay(order_id)`` does the same from a test. ``snap_mode`` fails Snap alone (same modes).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import html
import secrets
from urllib.parse import urlencode

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
        self.snap_mode = "ok"
        self.snaps: dict[str, dict] = {}  # token -> the accepted body
        self.notify_url: str | None = None
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
            self.snap_mode = "ok"
            self.snaps.clear()
            self.notify_url = None
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

    # --- Snap ---
    def _authorised(self, authorization: str | None) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.server_key}:".encode()).decode()
        return authorization == expected

    def create_snap(self, body: bytes, authorization: str | None) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append(("POST /snap/v1/transactions", authorization))
            mode = self.snap_mode
        if mode == "hang":
            self._release.wait(10)
            return 504, b""
        if mode == "error":
            return 500, b'{"error_messages": ["Sorry, we encountered internal server error."]}'
        if mode == "garbage":
            return 201, b"<html>snap says hello</html>"
        if not self._authorised(authorization):
            return 401, json.dumps({"error_messages": [
                "Access denied due to unauthorized transaction, please check client or "
                "server key"]}).encode()
        try:
            data = json.loads(body)
        except ValueError:
            return 400, b'{"error_messages": ["Request body is not valid JSON"]}'
        errors = _snap_errors(data)
        order_id = (data.get("transaction_details") or {}).get("order_id") \
            if isinstance(data, dict) else None
        with self._lock:
            if not errors and any(s["transaction_details"]["order_id"] == order_id
                                  for s in self.snaps.values()):
                errors.append("transaction_details.order_id has already been taken")
            if errors:
                return 400, json.dumps({"error_messages": errors}).encode()
            token = secrets.token_hex(16)
            self.snaps[token] = data
        return 201, json.dumps({"token": token, "redirect_url":
                                f"{self.url}/snap/v4/redirection/{token}"}).encode()

    def snap_for(self, order_id: str) -> tuple[str, dict] | None:
        with self._lock:
            return next(((t, s) for t, s in self.snaps.items()
                         if s["transaction_details"]["order_id"] == order_id), None)

    def pay(self, order_id: str, transaction_status: str = "settlement") -> str:
        """The customer paid on Snap's page: the transaction settles and Midtrans notifies
        ``notify_url`` (when set). Return the finish URL the browser is sent to."""
        found = self.snap_for(order_id)
        if found is None:
            raise KeyError(order_id)
        token, snap = found
        amount = f"{snap['transaction_details']['gross_amount']}.00"
        record = self.set_status(order_id, transaction_status, amount,
                                 f"tx-{token[:12]}", "accept")
        if self.notify_url:
            self.send(self.notify_url, order_id)
        finish = (snap.get("callbacks") or {}).get("finish") or ""
        query = urlencode({"order_id": order_id, "status_code": record["status_code"],
                           "transaction_status": transaction_status})
        return f"{finish}{'&' if '?' in finish else '?'}{query}" if finish else ""

    def snap_page(self, token: str) -> tuple[int, bytes]:
        with self._lock:
            snap = self.snaps.get(token)
        if snap is None:
            return 404, b"<!doctype html><title>Snap</title><p>Unknown token.</p>"
        details = snap["transaction_details"]
        page = (f"<!doctype html><html><head><title>Midtrans Snap (stand-in)</title></head>"
                f"<body><h1>Midtrans Snap (stand-in)</h1>"
                f"<p>Order <b id=order>{html.escape(details['order_id'])}</b>: "
                f"<b id=amount>Rp {details['gross_amount']:,}</b></p>"
                f"<form method=post action=/snap/v4/pay/{token}>"
                f"<button type=submit id=pay>Pay now</button></form></body></html>")
        return 200, page.encode()

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


def _snap_errors(data) -> list[str]:
    """What Snap refuses in a create-transaction body (400 error_messages)."""
    if not isinstance(data, dict):
        return ["Request body is not a JSON object"]
    errors = []
    details = data.get("transaction_details")
    if not isinstance(details, dict):
        return ["transaction_details is required"]
    order_id, amount = details.get("order_id"), details.get("gross_amount")
    if not isinstance(order_id, str) or not 0 < len(order_id) <= 50:
        errors.append("transaction_details.order_id is required (at most 50 characters)")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        errors.append("transaction_details.gross_amount must be a positive integer")
    items = data.get("item_details")
    if items is not None:
        try:
            total = sum(int(i["price"]) * int(i["quantity"]) for i in items)
            if any(len(str(i.get("name", ""))) > 50 for i in items):
                errors.append("item_details.name must be at most 50 characters")
        except (TypeError, KeyError, ValueError):
            errors.append("item_details must each have price and quantity")
        else:
            if total != amount:
                errors.append("transaction_details.gross_amount is not equal to the sum of "
                              "item_details")
    return errors


def _handler(stand_in: MidtransStandIn):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, content_type: str = "application/json",
                  location: str | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path.startswith("/snap/v4/redirection/"):
                status, body = stand_in.snap_page(self.path.rsplit("/", 1)[1])
                return self._send(status, body, "text/html; charset=utf-8")
            status, body = stand_in.answer(self.path, self.headers.get("Authorization"))
            self._send(status, body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/snap/v1/transactions":
                return self._send(*stand_in.create_snap(body, self.headers.get("Authorization")))
            if self.path.startswith("/snap/v4/pay/"):
                token = self.path.rsplit("/", 1)[1]
                snap = stand_in.snaps.get(token)
                if snap is None:
                    return self._send(404, b"unknown token", "text/plain")
                finish = stand_in.pay(snap["transaction_details"]["order_id"])
                return self._send(303, b"", "text/plain", location=finish or "/")
            self._send(404, b'{"status_code": "404"}')

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
                  midtrans_api_url=midtrans_server.url,
                  midtrans_snap_url=f"{midtrans_server.url}/snap/v1/transactions")
    yield midtrans_server
    midtrans_server.release()
