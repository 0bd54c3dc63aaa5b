"""Midtrans HTTP notifications (docs.midtrans.com, "HTTP(S) Notification / Webhooks").

The body is JSON; ``signature_key`` is SHA512(order_id + status_code + gross_amount +
server_key), hex. The signature does NOT cover ``transaction_status`` or
``transaction_id``: a captured settlement body re-sent as ``refund`` still verifies. So
``parse`` only establishes that the gateway once spoke about this order and amount, and
``confirm`` asks Get Status (midtrans_api.py) what the transaction is now: the status acted
upon, and the dedup key, come from that answer alone. The transaction status maps to
what our order should become (see ``_STATUS``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from decimal import Decimal, InvalidOperation

from .base import (
    AWAITING,
    EXPIRED,
    FAILED,
    PAID,
    REFUNDED,
    Gateway,
    GatewayNotConfigured,
    GatewayUnavailable,
    InvalidSignature,
    MalformedNotification,
    Notification,
    Unconfirmed,
)
from .midtrans_api import get_status

log = logging.getLogger("idp.billing")
_REQUIRED = ("order_id", "status_code", "gross_amount", "transaction_status", "transaction_id")
# What is kept of a body or an answer (scalars, truncated): never a signature, never
# whatever else a sender nests in it (a deep structure would not even serialise).
_KEPT = (*_REQUIRED, "fraud_status", "payment_type", "currency", "transaction_time",
         "settlement_time", "status_message")
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
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: deeply nested JSON ("[[[[..." ) is bad input, not our failure.
        raise MalformedNotification("the body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedNotification("the body is not a JSON object")
    return data


def _text(value) -> bool:
    """A non-empty string a database can hold (no NUL, bounded)."""
    return isinstance(value, str) and 0 < len(value) <= 256 and "\x00" not in value


def _kept(data: dict) -> dict:
    return {k: str(data[k])[:128].replace("\x00", "") for k in _KEPT
            if isinstance(data.get(k), (str, int, float, bool))}


def _amount(text: str, error) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise error("gross_amount is not a number") from None
    if not amount.is_finite() or abs(amount) >= 10**12:
        raise error("gross_amount is not a number")
    return amount


def _status(data: dict) -> tuple[str, str]:
    """Return (event, normalised status); a capture counts only when fraud_status is accept."""
    transaction_status = data["transaction_status"]
    if transaction_status == "capture":
        fraud = str(data.get("fraud_status") or "")[:32].replace("\x00", "")
        return f"capture:{fraud}", PAID if fraud == "accept" else AWAITING
    return transaction_status, _STATUS.get(transaction_status, AWAITING)


def _signed(data: dict, server_key: str) -> bool:
    expected = signature(data["order_id"], data["status_code"], data["gross_amount"], server_key)
    return hmac.compare_digest(str(data.get("signature_key")).encode(), expected.encode())


def _notification(data: dict, error) -> Notification:
    event, status = _status(data)
    return Notification(order_ref=data["order_id"], transaction_id=data["transaction_id"][:128],
                        event=event[:64], status=status,
                        amount=_amount(data["gross_amount"], error), raw=_kept(data))


class Midtrans(Gateway):
    name = "midtrans"

    def claimed(self, body: bytes) -> dict:
        try:
            return _kept(_load(body))
        except MalformedNotification:
            return {}

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
        if not _signed(data, server_key):
            raise InvalidSignature("signature_key does not match")
        return _notification(data, MalformedNotification)

    def confirm(self, order_ref: str, settings) -> Notification:
        data = get_status(settings, order_ref)
        if data is None:
            raise Unconfirmed("the payment gateway knows no such transaction")
        if any(not _text(data.get(k)) for k in _REQUIRED):
            log.warning("midtrans get status for %s: fields missing", order_ref[:64])
            raise GatewayUnavailable("the payment gateway's answer is incomplete")
        if "signature_key" in data and not _signed(data, settings.midtrans_server_key):
            log.error("midtrans get status for %s: signature_key does not match", order_ref[:64])
            raise GatewayUnavailable("the payment gateway's answer could not be verified")
        if data["order_id"] != order_ref:
            raise Unconfirmed("the payment gateway answered about another order")
        return _notification(data, GatewayUnavailable)
