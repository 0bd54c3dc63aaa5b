"""POST /billing/notifications/midtrans: signature, amount, status mapping."""

import json

import pytest
from sqlalchemy import func, select

from idp.billing.orders import create_order
from idp.extensions import db
from idp.storage.models import Order, PaymentNotification, Subscription
from tests.factories import make_org, make_plan, midtrans_body

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


@pytest.fixture
def order(ctx):
    org, plan = make_org("acme"), make_plan()
    order, _ = create_order(org, plan)
    return {"id": order.id, "ref": order.gateway_order_id, "org": org.id}


def _status(order_id):
    db.session.expire_all()
    return db.session.get(Order, order_id).status


def _subscription(org_id):
    db.session.expire_all()
    return db.session.scalar(select(Subscription).where(Subscription.organization_id == org_id))


def test_valid_settlement_pays_and_activates(order, notify):
    resp = notify(midtrans_body(order["ref"]))
    assert resp.status_code == 200 and resp.json["outcome"] == "processed"
    assert _status(order["id"]) == "paid"
    assert _subscription(order["org"]).status == "active"


@pytest.mark.parametrize("key", ["wrong-key", ""])
def test_bad_signature_is_401_and_changes_nothing(order, notify, key):
    body = json.loads(midtrans_body(order["ref"], key=key or "x"))
    if not key:
        body["signature_key"] = body["signature_key"][:-1] + "0"
    resp = notify(json.dumps(body).encode())
    assert resp.status_code == 401 and resp.json["error"] == "invalid_signature"
    assert _status(order["id"]) == "awaiting_payment"
    assert _subscription(order["org"]) is None
    row = db.session.scalar(select(PaymentNotification))
    assert row.outcome == "rejected_signature" and row.transaction_id is None
    assert "signature_key" not in row.raw


def test_missing_signature_is_401(order, notify):
    body = json.loads(midtrans_body(order["ref"]))
    del body["signature_key"]
    resp = notify(json.dumps(body).encode())
    assert resp.status_code == 401
    assert _status(order["id"]) == "awaiting_payment"


def test_tampered_amount_fails_the_signature(order, notify):
    resp = notify(midtrans_body(order["ref"], amount="1.00", signed_amount="150000.00"))
    assert resp.status_code == 401
    assert _status(order["id"]) == "awaiting_payment"


def test_signed_amount_differing_from_the_order_is_refused(order, notify):
    resp = notify(midtrans_body(order["ref"], amount="1000.00"))
    assert resp.status_code == 409
    assert _status(order["id"]) == "awaiting_payment"
    assert _subscription(order["org"]) is None
    # The refused one holds no dedup key: the genuine notification still pays.
    assert notify(midtrans_body(order["ref"])).status_code == 200
    assert _status(order["id"]) == "paid"


def test_forged_notification_does_not_block_the_genuine_one(order, notify):
    assert notify(midtrans_body(order["ref"], key="forger")).status_code == 401
    assert notify(midtrans_body(order["ref"])).status_code == 200
    assert _status(order["id"]) == "paid"


def test_amount_is_compared_as_a_decimal(order, notify):
    assert notify(midtrans_body(order["ref"], amount="150000")).status_code == 200
    assert _status(order["id"]) == "paid"


def test_no_server_key_refuses_with_503(order, notify, app, configure):
    configure(midtrans_server_key="")
    resp = notify(midtrans_body(order["ref"]))
    assert resp.status_code == 503 and resp.json["error"] == "temporarily_unavailable"
    assert _status(order["id"]) == "awaiting_payment"


def test_unknown_order_is_404(ctx, notify):
    resp = notify(midtrans_body("TOMPS-9-NOPE"))
    assert resp.status_code == 404 and resp.json["error"] == "not_found"


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b'{"order_id": 5}',
                                  b'{"signature_key": "x"}'])
def test_malformed_bodies_get_json_4xx(order, notify, body):
    resp = notify(body)
    assert resp.status_code in (400, 401) and "error" in resp.json
    assert _status(order["id"]) == "awaiting_payment"


def test_non_numeric_amount_is_400(order, notify):
    resp = notify(midtrans_body(order["ref"], amount="NaN"))
    assert resp.status_code == 400


def test_unknown_gateway_is_404(ctx, web):
    resp = web.post("/billing/notifications/paypal", data=b"{}", content_type="application/json")
    assert resp.status_code == 404 and resp.json["error"] == "not_found"


@pytest.mark.parametrize("status,fraud,expected", [
    ("settlement", None, "paid"),
    ("capture", "accept", "paid"),
    ("capture", "challenge", "awaiting_payment"),
    ("pending", None, "awaiting_payment"),
    ("challenge", None, "awaiting_payment"),
    ("deny", None, "awaiting_payment"),
    ("expire", None, "expired"),
    ("cancel", None, "failed"),
    ("failure", None, "failed"),
])
def test_status_mapping(order, notify, status, fraud, expected):
    resp = notify(midtrans_body(order["ref"], status=status, fraud=fraud))
    assert resp.status_code == 200
    assert _status(order["id"]) == expected
    active = _subscription(order["org"])
    assert (active is not None and active.status == "active") == (expected == "paid")


def test_pending_never_activates(order, notify):
    for i, status in enumerate(["pending", "challenge", "deny"]):
        assert notify(midtrans_body(order["ref"], status=status, txid=f"t{i}")).status_code == 200
    assert _subscription(order["org"]) is None
    count = db.session.scalar(select(func.count()).select_from(PaymentNotification))
    assert count == 3


def test_capture_accepted_after_challenge_pays(order, notify):
    notify(midtrans_body(order["ref"], status="capture", fraud="challenge"))
    assert _status(order["id"]) == "awaiting_payment"
    assert notify(midtrans_body(order["ref"], status="capture", fraud="accept")).status_code == 200
    assert _status(order["id"]) == "paid"


def test_nul_bytes_are_refused_not_a_500(order, notify):
    resp = notify(midtrans_body(order["ref"] + "\x00"))
    assert resp.status_code == 400
    body = json.loads(midtrans_body(order["ref"]))
    body["transaction_id"] = "\x00" * 3
    assert notify(json.dumps(body).encode()).status_code in (400, 401)
    assert _status(order["id"]) == "awaiting_payment"


def test_refused_notifications_are_audited_without_the_signature(order, notify):
    notify(midtrans_body(order["ref"], amount="5.00"))
    notify(midtrans_body("TOMPS-0-UNKNOWN"))
    db.session.expire_all()
    rows = db.session.scalars(select(PaymentNotification).order_by(PaymentNotification.id)).all()
    assert [r.outcome for r in rows] == ["rejected_amount", "rejected_unknown_order"]
    assert all(r.transaction_id is None and "signature_key" not in r.raw for r in rows)
