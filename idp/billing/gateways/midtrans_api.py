"""Midtrans' Core API as the IdP calls it: Get Status (docs.midtrans.com, "GET Status API
Requests"; recommended there before acting on any notification).

``GET {midtrans_api_url}/v2/{order_id}/status`` with HTTP Basic auth: the server key as
the user name, an empty password. The answer is JSON: ``status_code``,
``transaction_status``, ``fraud_status``, ``transaction_id``, ``order_id``,
``gross_amount``, ``signature_key`` and more. An unknown transaction is answered with
``status_code`` "404" (HTTP 404 or 200). ``midtrans_api_url`` defaults to the sandbox or
production base (``midtrans_production``); tests point it at a local stand-in.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import requests

from .base import GatewayUnavailable

log = logging.getLogger("idp.billing")
MAX_ANSWER = 64 * 1024  # a status answer is about 1 KB


def get_status(settings, order_ref: str) -> dict | None:
    """Midtrans' answer about ``order_ref``, or None when it knows no such transaction.

    Raises GatewayUnavailable when it cannot say: unreachable, timed out, an HTTP error,
    our key refused, or an answer that is not a JSON object.
    """
    url = f"{settings.midtrans_api_url}/v2/{quote(order_ref, safe='')}/status"
    timeout = float(settings.midtrans_timeout)
    try:
        with requests.get(url, auth=(settings.midtrans_server_key, ""), stream=True,
                          timeout=(timeout, timeout), allow_redirects=False,
                          headers={"Accept": "application/json"}) as response:
            status, body = response.status_code, response.raw.read(MAX_ANSWER + 1,
                                                                   decode_content=True)
    except (requests.RequestException, OSError) as exc:
        log.warning("midtrans get status for %s: %s", order_ref[:64], type(exc).__name__)
        raise GatewayUnavailable("the payment gateway could not be reached") from None
    data = _json(body)
    if status == 404 or str(data.get("status_code")) == "404":
        return None
    if status != 200:
        if status in (401, 403):
            log.error("midtrans get status: the gateway refused our server key (HTTP %s)", status)
        else:
            log.warning("midtrans get status for %s: HTTP %s", order_ref[:64], status)
        raise GatewayUnavailable("the payment gateway did not confirm the status")
    return data


def _json(body: bytes) -> dict:
    if len(body) > MAX_ANSWER:
        raise GatewayUnavailable("the payment gateway's answer is too large")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        data = None
    if not isinstance(data, dict):
        log.warning("midtrans get status: the answer is not a JSON object")
        raise GatewayUnavailable("the payment gateway's answer is not JSON")
    return data


# --- Snap (docs.midtrans.com, "Snap Integration Guide", backend "Acquire Snap token") ---
# ``POST {midtrans_snap_url}`` with the same Basic auth and a JSON body
# ``{transaction_details: {order_id, gross_amount}, customer_details, item_details,
# callbacks: {finish}}``; HTTP 201 ``{token, redirect_url}``; 401 for a wrong key; 400
# ``{error_messages: [...]}`` for a body it refuses. A token is valid for 24 hours.
SNAP_TOKEN_LIFETIME_HOURS = 24


def create_snap_transaction(settings, payload: dict) -> dict:
    """Snap's ``{token, redirect_url}`` for ``payload``; GatewayUnavailable when it cannot
    give one (unreachable, timed out, our key or our body refused, an answer we cannot use).
    Nothing is retried here: the customer retries from the page."""
    order_ref = str(payload.get("transaction_details", {}).get("order_id", ""))[:64]
    timeout = float(settings.midtrans_timeout)
    try:
        with requests.post(settings.midtrans_snap_url, json=payload, stream=True,
                           auth=(settings.midtrans_server_key, ""), timeout=(timeout, timeout),
                           allow_redirects=False,
                           headers={"Accept": "application/json"}) as response:
            status, body = response.status_code, response.raw.read(MAX_ANSWER + 1,
                                                                   decode_content=True)
    except (requests.RequestException, OSError) as exc:
        log.warning("midtrans snap for %s: %s", order_ref, type(exc).__name__)
        raise GatewayUnavailable("the payment gateway could not be reached") from None
    if status in (401, 403):
        log.error("midtrans snap: the gateway refused our server key (HTTP %s)", status)
        raise GatewayUnavailable("the payment gateway refused the request")
    if status not in (200, 201):
        data = _maybe_json(body)
        messages = data.get("error_messages") if isinstance(data, dict) else None
        log.warning("midtrans snap for %s: HTTP %s %s", order_ref, status,
                    "; ".join(str(m)[:120] for m in messages[:5])
                    if isinstance(messages, list) else "")
        raise GatewayUnavailable("the payment gateway did not accept the payment request")
    data = _json(body)
    token, url = data.get("token"), data.get("redirect_url")
    if not (isinstance(token, str) and 0 < len(token) <= 255 and isinstance(url, str)
            and url.startswith(("https://", "http://")) and len(url) <= 1024):
        log.warning("midtrans snap for %s: the answer has no usable token", order_ref)
        raise GatewayUnavailable("the payment gateway's answer is incomplete")
    return {"token": token, "redirect_url": url}


def _maybe_json(body: bytes):
    try:
        return json.loads(body[:MAX_ANSWER])
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
