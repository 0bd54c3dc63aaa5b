"""POST /billing/notifications/<gateway>: payment gateway callbacks (machine to machine).

CSRF-exempt (the gateway has no session; the signature authenticates it, and Get Status
confirms it: payments.py). Answers JSON: 200 for every confirmed notification, even one
that changes nothing, so the gateway stops retrying; 400 for a malformed body; 401 for a
bad or missing signature; 404 for an unknown order; 409 for an amount that differs from
the order, or a notification the gateway's Get Status does not confirm; 429 (with
Retry-After) for a source past its limit of refusals; 503 (with Retry-After, retried by
the gateway) when the server key is not configured or Get Status cannot be reached.
Refusals are ``GatewayError`` s (IdPErrors), rendered as JSON by web/errors.py.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..extensions import csrf
from ..orgs.outbox import follow_up
from .gateways import get_gateway
from .gateways.base import UnknownGateway
from .payments import receive

bp = Blueprint("billing_notifications", __name__)


@bp.route("/billing/notifications/<name>", methods=["POST"])
@csrf.exempt
def notification(name: str):
    gateway = get_gateway(name)
    if gateway is None:
        raise UnknownGateway("unknown payment gateway")
    result = receive(gateway, request.get_data(cache=False), request.remote_addr)
    # follow_up "pending": access changes are saved, announcing them is retried by the worker.
    return jsonify(status="ok", outcome=result.outcome, order_status=result.order.status,
                   follow_up=follow_up(result.order.organization_id))
