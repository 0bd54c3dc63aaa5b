"""The live account page: a payment confirmed on one instance reaches the Server-Sent Events
stream open on another within a second (Redis pub/sub), and the end-to-end purchase."""

import json
import queue
import re
import threading
import time
from datetime import timedelta

import pytest
import requests

from idp.extensions import db
from idp.storage.models import Order, Subscription, SubscriptionPeriod
from tests.conftest import make_app
from tests.factories import SERVER_KEY, make_member, make_org, make_plan, midtrans_body
from tests.helpers.asgi_server import serve
from tests.helpers.waiting import eventually
from tests.helpers.web import CSRF_RE


@pytest.fixture
def server(app, clean, configure):
    """Instance A, served over real HTTP the production way (the ASGI front)."""
    configure(live_heartbeat=1)  # readers wake up often
    with serve(app) as base:
        yield base


@pytest.fixture(scope="module")
def instance_b():
    """A second instance over the same Postgres and Redis."""
    other = make_app(midtrans_server_key=SERVER_KEY)
    other.config["TESTING"] = True
    yield other
    with other.app_context():
        db.engine.dispose()
    for unsubscribe in other.extensions["idp.unsubscribe"]:
        unsubscribe()


@pytest.fixture
def acme(app, clean):
    with app.app_context():
        org = make_org("acme")
        make_plan("suite")
        admin = make_member(org, "admin")
        members = [make_member(org) for _ in range(2)]
        return {"org": org.id, "admin": admin, "members": [m["id"] for m in members]}


def _browser(base, person) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=5).text
    token = CSRF_RE.search(page).group(1)
    resp = browser.post(f"{base}/login", data={"email": person["email"], "password":
                        person["password"], "csrf_token": token}, timeout=5)
    assert resp.ok
    return browser


def _listen(browser, url) -> tuple[queue.Queue, requests.Response]:
    """Open the SSE stream; a thread puts each (event, data) on the returned queue."""
    resp = browser.get(url, stream=True, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    events: queue.Queue = queue.Queue()

    def read():
        name = None
        try:
            for line in resp.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    events.put((name, json.loads(line[6:])))
        except (requests.RequestException, AttributeError, ValueError):
            pass

    threading.Thread(target=read, daemon=True).start()
    return events, resp


def _changed(resp):
    """The response when it is a new state (200), else None (304: not yet)."""
    return resp if resp.status_code == 200 else None


def _next(events, kind, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            name, data = events.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if data.get("type") == kind:
            return name, data
    raise AssertionError(f"no {kind} event within {timeout}s")


def _order(app, org_id):
    from idp.billing.orders import create_order
    from idp.storage.models import Organization, Plan

    with app.app_context():
        order, _ = create_order(db.session.get(Organization, org_id),
                                db.session.scalar(db.select(Plan)))
        return order.id, order.gateway_order_id


@pytest.fixture
def settled(instance_b, midtrans, configure):
    """Point instance B at the Midtrans stand-in; ``settled(ref)`` makes it say settlement."""
    configure(instance_b, midtrans_api_url=midtrans.url)
    return lambda ref: midtrans.set_status(ref, "settlement", "150000.00", "tx-1")


def test_payment_on_another_instance_reaches_the_stream_within_a_second(
        app, server, acme, instance_b, settled):
    order_id, ref = _order(app, acme["org"])
    settled(ref)
    browser = _browser(server, acme["admin"])
    events, resp = _listen(browser, f"{server}/account/events?org={acme['org']}")
    try:
        _, snapshot = _next(events, "snapshot")  # sent once the stream is subscribed
        assert {"order_id": order_id, "status": "awaiting_payment"} in snapshot["orders"]
        started = time.monotonic()
        notified = instance_b.test_client().post("/billing/notifications/midtrans",
                                                 data=midtrans_body(ref),
                                                 content_type="application/json")
        assert notified.status_code == 200
        name, update = _next(events, "order", timeout=1.0)
        assert time.monotonic() - started < 1.0
        assert name == "update" and update == {"type": "order", "order_id": order_id,
                                               "status": "paid"}
    finally:
        resp.close()


def test_events_need_an_admin(server, acme, app):
    assert requests.get(f"{server}/account/events", timeout=5).status_code == 401
    with app.app_context():
        from idp.storage.models import Organization

        member = make_member(db.session.get(Organization, acme["org"]), "member")
    browser = _browser(server, member)
    assert browser.get(f"{server}/account/events", timeout=5).status_code == 403


def test_admin_buys_suite_end_to_end(app, server, acme, instance_b, settled):
    """The issue's "done when": review → order → awaiting payment → two simultaneous
    settlements → paid once, active for 30 days, the open page told live."""
    browser = _browser(server, acme["admin"])
    review = browser.get(f"{server}/plans/suite/review", timeout=5).text
    token = CSRF_RE.search(review).group(1)
    summary = browser.post(f"{server}/account/orders", data={
        "csrf_token": token, "plan": "suite", "org": acme["org"]}, timeout=5)
    assert summary.ok and "IDR 150,000.00" in summary.text
    pay_path = re.search(r'href="(/account/orders/\d+/pay[^"]*)"', summary.text).group(1)
    pay = browser.get(server + pay_path.replace("&amp;", "&"), timeout=5)
    assert "Awaiting Payment" in pay.text
    ref = re.search(r"TOMPS-\d+-[0-9A-F]+", pay.text).group(0)
    settled(ref)
    events, resp = _listen(browser, f"{server}/account/events?org={acme['org']}")
    try:
        _next(events, "snapshot")
        barrier, codes = threading.Barrier(2), []

        def settle():
            barrier.wait()
            codes.append(instance_b.test_client().post(
                "/billing/notifications/midtrans", data=midtrans_body(ref),
                content_type="application/json").status_code)

        threads = [threading.Thread(target=settle) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert codes == [200, 200]
        assert _next(events, "order", timeout=1.0)[1]["status"] == "paid"
    finally:
        resp.close()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SubscriptionPeriod)) == 1
        assert db.session.scalar(db.select(Order)).status == "paid"
        sub = db.session.scalar(db.select(Subscription))
        assert sub.status == "active" and set(sub.plan.products) == {"building", "project",
                                                                      "asset"}
        assert sub.current_period_end - sub.current_period_start == timedelta(days=30)
    page = browser.get(f"{server}/account?org={acme['org']}", timeout=5).text
    assert "active" in page


def test_polls_of_an_unchanged_state_do_not_read_the_database(app, server, acme):
    """Under the ASGI front the process keeps the polled snapshot until its organisation's
    channel says something changed: 304s cost no SQL, a published change is seen at once."""
    from sqlalchemy import event

    from idp.billing.lifecycle import publish_account_event

    order_id, _ = _order(app, acme["org"])
    browser = _browser(server, acme["admin"])
    poll = f"{server}/account/state?org={acme['org']}"
    first = browser.get(poll, timeout=5)
    assert first.status_code == 200
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            again = browser.get(poll, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
            assert again.status_code == 304
        assert not [s for s in statements if "orders" in s]
        with app.app_context():
            db.session.execute(db.update(Order).where(Order.id == order_id).values(status="paid"))
            db.session.commit()
            publish_account_event(acme["org"], {"type": "order", "order_id": order_id,
                                                "status": "paid"})
        changed = eventually(lambda: _changed(browser.get(
            poll, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)), 3)
        assert {"order_id": order_id, "status": "paid"} in changed.json()["orders"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
