"""Pay with Midtrans Snap (issue 13 item 1): the Pay button creates a Snap transaction as
documented and redirects to it; the token is reused; a wrong key, a gateway that is down or
too slow gives a page with a retry and leaves the order as it was; the finish page reads
the order's state, never the query string; the stand-in notifies the way Midtrans does."""

import json
import re

import pytest

from idp.extensions import db
from idp.storage.models import Order
from tests.factories import make_member, make_org, make_plan
from tests.helpers.ports import reserve_port as free_port
from tests.helpers.web import csrf_token, login


@pytest.fixture
def shop(app, clean, midtrans):
    with app.app_context():
        org = make_org("acme", legal_name="PT Acme Indonesia", address="Jl. Sudirman 1",
                       country="ID", billing_email="finance@acme.example")
        make_plan("starter", price="1500000", products=("building",), tier=1)
        admin = make_member(org, "admin")
        return {"org": org.id, "admin": admin}


@pytest.fixture
def owner(web, shop):
    login(web, shop["admin"]["email"], shop["admin"]["password"])
    return web


def _order(owner, shop):
    review = owner.get(f"/plans/starter/review?org={shop['org']}").get_data(as_text=True)
    resp = owner.post("/account/orders", data={"csrf_token": csrf_token(review),
                                               "plan": "starter", "org": shop["org"]})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    order_id = int(re.search(r"/orders/(\d+)", resp.headers["Location"]).group(1))
    return order_id


def _pay_click(owner, shop, order_id):
    page = owner.get(f"/account/orders/{order_id}/pay?org={shop['org']}").get_data(as_text=True)
    assert 'id="pay"' in page and "Bank" in page or "bank transfer" in page
    return owner.post(f"/account/orders/{order_id}/checkout",
                      data={"csrf_token": csrf_token(page), "org": shop["org"]})


def _status(app, order_id):
    with app.app_context():
        return db.session.get(Order, order_id).status


def test_pay_button_creates_the_snap_transaction_and_redirects(app, owner, shop, midtrans):
    order_id = _order(owner, shop)
    resp = _pay_click(owner, shop, order_id)
    assert resp.status_code == 303
    token, body = midtrans.snap_for(_ref(app, order_id))
    assert resp.headers["Location"] == f"{midtrans.url}/snap/v4/redirection/{token}"
    assert body["transaction_details"] == {"order_id": _ref(app, order_id),
                                           "gross_amount": 1500000}
    assert body["item_details"][0]["price"] == 1500000 and "Starter" in body["item_details"][0]["name"]
    assert body["customer_details"]["email"] == shop["admin"]["email"]
    assert body["customer_details"]["billing_address"]["first_name"] == "PT Acme Indonesia"
    assert body["callbacks"]["finish"].endswith(f"/account/orders/{order_id}?org={shop['org']}")
    # The second click reuses the token: one Snap transaction per order.
    again = _pay_click(owner, shop, order_id)
    assert again.headers["Location"] == resp.headers["Location"] and len(midtrans.snaps) == 1


def _ref(app, order_id):
    with app.app_context():
        return db.session.get(Order, order_id).gateway_order_id


@pytest.mark.parametrize("failure", ["wrong_key", "down", "timeout", "error", "garbage"])
def test_gateway_failures_give_a_retry_page_and_leave_the_order(app, owner, shop, midtrans,
                                                                configure, failure):
    order_id = _order(owner, shop)
    if failure == "wrong_key":
        configure(midtrans_server_key="SB-Mid-server-wrong")
    elif failure == "down":
        configure(midtrans_snap_url=f"http://127.0.0.1:{free_port()}/snap/v1/transactions")
    elif failure == "timeout":
        configure(midtrans_timeout=0.5)
        midtrans.snap_mode = "hang"
    else:
        midtrans.snap_mode = failure
    resp = _pay_click(owner, shop, order_id)
    midtrans.release()
    page = resp.get_data(as_text=True)
    assert resp.status_code == 502 and 'id="retry"' in page and "unchanged" in page
    assert _status(app, order_id) == "awaiting_payment"
    with app.app_context():
        assert db.session.get(Order, order_id).snap_token is None


def test_stand_in_snap_refuses_bad_bodies_as_documented(midtrans):
    import requests

    url = f"{midtrans.url}/snap/v1/transactions"
    bad = requests.post(url, json={"transaction_details": {"order_id": "X", "gross_amount": 1.5}},
                        auth=(midtrans.server_key, ""), timeout=5)
    assert bad.status_code == 400 and bad.json()["error_messages"]
    wrong = requests.post(url, json={"transaction_details": {"order_id": "X", "gross_amount": 1}},
                          auth=("nope", ""), timeout=5)
    assert wrong.status_code == 401


def test_finish_page_reads_the_order_not_the_query_string(app, owner, shop, midtrans):
    order_id = _order(owner, shop)
    _pay_click(owner, shop, order_id)
    # Midtrans sends the browser back with transaction_status=settlement; until the
    # notification is confirmed the page says the payment is being confirmed.
    page = owner.get(f"/account/orders/{order_id}?org={shop['org']}&order_id=x"
                     "&status_code=200&transaction_status=settlement").get_data(as_text=True)
    assert "Waiting for the payment to be confirmed" in page and "Payment received" not in page


def test_snap_payment_notifies_like_midtrans_and_the_order_is_paid(app, owner, shop, midtrans,
                                                                   live_server_url=None):
    order_id = _order(owner, shop)
    _pay_click(owner, shop, order_id)
    ref = _ref(app, order_id)
    midtrans.pay(ref)  # settles at the stand-in (no notify_url: we deliver it here)
    resp = owner.post("/billing/notifications/midtrans", data=midtrans.notification(ref),
                      content_type="application/json")
    assert resp.status_code == 200 and _status(app, order_id) == "paid"
    page = owner.get(f"/account/orders/{order_id}?org={shop['org']}").get_data(as_text=True)
    assert "Payment received: Starter is active until" in page
    panel = owner.get(f"/account/panel?org={shop['org']}&paid={order_id}").get_data(as_text=True)
    assert "Payment received" in panel and "Starter" in panel and "Cancel at the period end" in panel
    plain = owner.get(f"/account/panel?org={shop['org']}").get_data(as_text=True)
    assert "Payment received" not in plain  # the banner is for the event that just happened


def test_indonesian_pages_use_the_platforms_terms_and_rupiah(app, owner, shop):
    order_id = _order(owner, shop)
    page = owner.get(f"/account/orders/{order_id}/pay?org={shop['org']}",
                     headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Menunggu Pembayaran" in page and "Rp 1.500.000" in page
    summary = owner.get(f"/account/orders/{order_id}?org={shop['org']}",
                        headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Ringkasan Order" in summary


def test_orders_checkout_cli_reuses_the_token(app, shop, midtrans, run, monkeypatch):
    monkeypatch.setenv("IDP_MIDTRANS_SERVER_KEY", midtrans.server_key)
    monkeypatch.setenv("IDP_MIDTRANS_SNAP_URL", f"{midtrans.url}/snap/v1/transactions")
    code, out, err = run("orders", "create", "acme", "starter", "--json")
    assert code == 0, err
    order = json.loads(out)
    code, out, err = run("orders", "checkout", str(order["id"]), "--json")
    assert code == 0, err
    first = json.loads(out)["redirect_url"]
    code, out, _ = run("orders", "checkout", str(order["id"]), "--json")
    assert json.loads(out)["redirect_url"] == first and len(midtrans.snaps) == 1
    monkeypatch.setenv("IDP_MIDTRANS_SNAP_URL", f"http://127.0.0.1:{free_port()}/x")
    code, out, err = run("orders", "checkout", str(order["id"]), "--json")
    assert code == 0  # a still-valid token is reused without asking the gateway
