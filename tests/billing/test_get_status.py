"""A notification is only a prompt: the webhook acts on what Get Status says (issue 11 item 7).

Midtrans' signature covers order_id + status_code + gross_amount, not transaction_status, so
the body's status proves nothing. Every notification is confirmed with
``GET {midtrans_api_url}/v2/{order_id}/status`` (tests/helpers/midtrans.py stands in).
"""

import base64
import json

import pytest
from sqlalchemy import func, select

from idp.billing.orders import create_order
from idp.extensions import db
from idp.storage.models import Order, PaymentNotification, Subscription, SubscriptionPeriod
from tests.factories import SERVER_KEY, make_org, make_plan, midtrans_body


@pytest.fixture
def order(ctx):
    org, plan = make_org("acme"), make_plan()
    order, _ = create_order(org, plan)
    return {"id": order.id, "ref": order.gateway_order_id, "org": org.id}


def _order_status(order_id):
    db.session.expire_all()
    return db.session.get(Order, order_id).status


def _subscription(org_id):
    db.session.expire_all()
    return db.session.scalar(select(Subscription).where(Subscription.organization_id == org_id))


def _rows():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(PaymentNotification))


def test_a_settlement_body_relabelled_refund_does_not_refund(order, notify, midtrans):
    assert notify(midtrans_body(order["ref"], txid="tx-1")).status_code == 200
    assert _order_status(order["id"]) == "paid"
    # The captured body, re-sent with another status and transaction id: the signature
    # still verifies (it does not cover them). The gateway still says settlement.
    forged = midtrans_body(order["ref"], status="refund", txid="tx-forged")
    resp = notify(forged, confirm_it=False)
    assert resp.status_code == 200 and resp.json["outcome"] == "duplicate"
    assert _order_status(order["id"]) == "paid"
    assert _subscription(order["org"]).status == "active"
    assert db.session.scalar(select(SubscriptionPeriod.cancelled_at)) is None


def test_the_confirmed_status_decides_not_the_body(order, notify, midtrans):
    midtrans.set_status(order["ref"], "pending", "150000.00", "tx-1")
    resp = notify(midtrans_body(order["ref"], status="settlement", txid="tx-1"), confirm_it=False)
    assert resp.status_code == 200 and resp.json["outcome"] == "ignored"
    assert _order_status(order["id"]) == "awaiting_payment"
    assert _subscription(order["org"]) is None
    row = db.session.scalar(select(PaymentNotification))
    assert row.transaction_status == "pending"  # recorded as confirmed, not as claimed


def test_a_late_pending_body_after_settlement_still_reads_settlement(order, notify, midtrans):
    notify(midtrans_body(order["ref"], txid="tx-1"))
    resp = notify(midtrans_body(order["ref"], status="pending", txid="tx-1"), confirm_it=False)
    assert resp.status_code == 200 and _order_status(order["id"]) == "paid"


def test_get_status_is_called_with_basic_auth_of_the_server_key(order, notify, midtrans):
    notify(midtrans_body(order["ref"]))
    path, authorization = midtrans.requests[-1]
    assert path == f"/v2/{order['ref']}/status"
    assert authorization == "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()


def _assert_unavailable(resp, order):
    assert resp.status_code == 503 and resp.json["error"] == "temporarily_unavailable"
    assert int(resp.headers["Retry-After"]) > 0
    assert _order_status(order["id"]) == "awaiting_payment"
    assert _subscription(order["org"]) is None and _rows() == 0


def test_gateway_unreachable_is_503_and_changes_nothing(order, notify, app, configure):
    from tests.helpers.ports import reserve_port

    configure(midtrans_api_url=f"http://127.0.0.1:{reserve_port()}")
    _assert_unavailable(notify(midtrans_body(order["ref"])), order)


def test_gateway_timing_out_is_503_and_changes_nothing(order, notify, app, midtrans, configure):
    configure(midtrans_timeout=0.3)
    midtrans.hold()
    _assert_unavailable(notify(midtrans_body(order["ref"])), order)


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_gateway_answering_nonsense_is_503(order, notify, midtrans, mode):
    midtrans.mode = mode
    _assert_unavailable(notify(midtrans_body(order["ref"])), order)


def test_gateway_refusing_our_key_is_503(order, notify, midtrans, monkeypatch):
    monkeypatch.setattr(midtrans, "server_key", "another-key")
    body = midtrans_body(order["ref"])
    resp = notify(body)
    _assert_unavailable(resp, order)


def test_a_transaction_the_gateway_does_not_know_is_refused(order, notify, midtrans):
    resp = notify(midtrans_body(order["ref"]), confirm_it=False)
    assert resp.status_code == 409 and resp.json["error"] == "invalid_request"
    assert _order_status(order["id"]) == "awaiting_payment"
    row = db.session.scalar(select(PaymentNotification))
    assert row.outcome == "rejected_unconfirmed" and row.transaction_id is None


def test_a_confirmed_amount_that_differs_from_the_order_is_refused(order, notify, midtrans):
    midtrans.set_status(order["ref"], "settlement", "1000.00", "tx-1")
    resp = notify(midtrans_body(order["ref"]), confirm_it=False)
    assert resp.status_code == 409
    assert _order_status(order["id"]) == "awaiting_payment"


def test_an_answer_about_another_order_is_refused(order, notify, midtrans, monkeypatch):
    other = midtrans.set_status("TOMPS-OTHER", "settlement", "150000.00", "tx-9")
    monkeypatch.setattr(midtrans, "status_of", lambda order_id: {
        **other, "status_message": "ok", "signature_key": midtrans._signed(other)["signature_key"]})
    resp = notify(midtrans_body(order["ref"]), confirm_it=False)
    assert resp.status_code == 409 and _order_status(order["id"]) == "awaiting_payment"


def test_an_answer_with_a_wrong_signature_is_not_trusted(order, notify, midtrans, monkeypatch):
    genuine = midtrans.status_of
    monkeypatch.setattr(midtrans, "status_of", lambda order_id: {
        **genuine(order_id), "signature_key": "0" * 128})
    midtrans.set_status(order["ref"], "settlement", "150000.00", "tx-1")
    _assert_unavailable(notify(midtrans_body(order["ref"]), confirm_it=False), order)


def test_capture_is_paid_only_when_the_gateway_says_accept(order, notify, midtrans):
    midtrans.set_status(order["ref"], "capture", "150000.00", "tx-1", fraud_status="challenge")
    body = json.loads(midtrans_body(order["ref"], status="capture", fraud="accept"))
    assert notify(json.dumps(body).encode(), confirm_it=False).status_code == 200
    assert _order_status(order["id"]) == "awaiting_payment"


def test_over_real_http_the_gateway_notifies_and_is_asked_back(order, app, midtrans):
    """Both directions on real sockets: the stand-in POSTs its notification to the IdP,
    the IdP calls Get Status back before it pays the order."""
    import threading

    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        midtrans.set_status(order["ref"], "settlement", "150000.00", "tx-live")
        url = f"http://127.0.0.1:{httpd.server_port}/billing/notifications/midtrans"
        resp = midtrans.send(url, order["ref"])
        assert resp.status_code == 200 and resp.json()["order_status"] == "paid"
        assert midtrans.requests[-1][0] == f"/v2/{order['ref']}/status"
        relabelled = midtrans.send(url, order["ref"], transaction_status="refund",
                                   transaction_id="tx-other")
        assert relabelled.json()["outcome"] == "duplicate"
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert _order_status(order["id"]) == "paid"
