"""Midtrans' notification signature, pinned by a known answer (not by our own function).

docs.midtrans.com, "HTTP(S) Notification / Webhooks": ``signature_key`` is the hex
SHA-512 of order_id + status_code + gross_amount + server key. Every other test signs
with ``gateways.midtrans.signature`` itself, so a changed formula passed them all.
The expected digest below was computed outside Python:

    printf '%s' 'TOMPS-7-5EC0DE000001200150000.00SB-Mid-server-test-key' | sha512sum
"""

from __future__ import annotations

import json

from sqlalchemy import update

from idp.billing.gateways.midtrans import signature
from idp.billing.orders import create_order
from idp.extensions import db
from idp.storage.models import Order

from tests.factories import SERVER_KEY, make_org, make_plan

ORDER_REF, STATUS_CODE, GROSS_AMOUNT = "TOMPS-7-5EC0DE000001", "200", "150000.00"
KNOWN_SIGNATURE = ("28ef68ea5707e86617a7f98cacbec0ad7ea526fb9947b06598d680df44d55a30"
                   "7f715478559c4739e80d4ae8ad09d999eebef14277cf984e52b606cfeeced69a")


def test_the_signature_formula_gives_the_known_answer():
    assert SERVER_KEY == "SB-Mid-server-test-key"
    assert signature(ORDER_REF, STATUS_CODE, GROSS_AMOUNT, SERVER_KEY) == KNOWN_SIGNATURE


def test_a_notification_signed_the_way_midtrans_signs_is_accepted(ctx, notify):
    org, plan = make_org("acme"), make_plan(price="150000")
    order, _ = create_order(org, plan)
    db.session.execute(update(Order).where(Order.id == order.id)
                       .values(gateway_order_id=ORDER_REF))
    db.session.commit()
    body = {"order_id": ORDER_REF, "status_code": STATUS_CODE, "gross_amount": GROSS_AMOUNT,
            "transaction_status": "settlement", "transaction_id": "tx-known-answer",
            "fraud_status": "accept", "payment_type": "bank_transfer", "currency": "IDR",
            "signature_key": KNOWN_SIGNATURE}
    resp = notify(json.dumps(body).encode())
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["outcome"] == "processed" and resp.json["order_status"] == "paid"
