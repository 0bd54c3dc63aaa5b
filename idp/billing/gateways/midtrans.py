"""Midtrans HTTP notifications (docs.midtrans.com, "HTTP(S) Notification / Webhooks").

The body is JSON; ``signature_key`` is
SHA512(order_id + status_code + gross_amount + server_key), hex. The transaction
status maps to what our order should become (see ``_STATUS``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal, InvalidOperation

from .base import (
    AWAITING,
    EXPIRED,
    FAILED,
    PAID,
    REFUNDED,
    Gateway,
    GatewayNotConfigured,
    InvalidSignature,
    MalformedNotification,
    Notification,
)

_REQUIRED = ("order_id", "status_code", "gross_amount", "transaction_status", "transaction_id")
_STATUS = {
    "settlement": PAID,
    "pending": AWAITING,
    "challenge": AWAITING,
    "deny": AWAITING,  # the customer may try another card on the same order
    "authorize": AWAITING,
    "expire": EXPIRED,
    "cancel": FAILED,
    "failure": FAILED,
    "refund": REFUNDED,
}


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """The signature Midtrans puts in ``signature_key``."""
    text = order_id + status_code + gross_amount + server_key
    return hashlib.sha512(text.encode()).hexdigest()


def _load(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedNotification("the body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedNotification("the body is not a JSON object")
    return data


def _text(value) -> bool:
    """A non-empty string a database can hold (no NUL, bounded)."""
    return isinstance(value, str) and 0 < len(value) <= 256 and "\x00" not in value


def _status(data: dict) -> tuple[str, str]:
    """Return (event, normalised status); a capture counts only when fraud_status is accept."""
    transaction_status = data["transaction_status"]
    if transaction_status == "capture":
        fraud = str(data.get("fraud_status") or "")[:32].replace("\x00", "")
        return f"capture:{fraud}", PAID if fraud == "accept" else AWAITING
    return transaction_status, _STATUS.get(transaction_status, AWAITING)


class Midtrans(Gateway):
    name = "midtrans"

    def claimed(self, body: bytes) -> dict:
        try:
            data = _load(body)
        except MalformedNotification:
            return {}
        return {k: str(data.get(k))[:128].replace("\x00", "")
                for k in (*_REQUIRED, "fraud_status") if k in data}

    def parse(self, body: bytes, settings) -> Notification:
        server_key = settings.midtrans_server_key
        if not server_key:
            raise GatewayNotConfigured("payment notifications are not configured")
        data = _load(body)
        given = data.get("signature_key")
        if not isinstance(given, str) or not given:
            raise InvalidSignature("signature_key is missing")
        if any(not _text(data.get(k)) for k in _REQUIRED):
            raise MalformedNotification("order_id, status_code, gross_amount, "
                                        "transaction_status and transaction_id are required")
        expected = signature(data["order_id"], data["status_code"], data["gross_amount"], server_key)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise InvalidSignature("signature_key does not match")
        try:
            amount = Decimal(data["gross_amount"])
        except InvalidOperation:
            raise MalformedNotification("gross_amount is not a number") from None
        if not amount.is_finite():
            raise MalformedNotification("gross_amount is not a number")
        event, status = _status(data)
        raw = {k: v for k, v in data.items() if k != "signature_key"}
        return Notification(order_ref=data["order_id"], transaction_id=data["transaction_id"][:128],
                            event=event[:64], status=status, amount=amount, raw=raw)
