"""Unverified notifications cannot grow payment_notifications without bound (issue 11 item 7).

Refusals are counted per source address (429 + Retry-After past the limit), recorded at
most ``payment_notification_rejected_per_day`` times a day over all sources, and deleted by
the worker after ``payment_notification_retention``; verified ones are the payment record.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from idp import clock
from idp.billing.jobs import run_due
from idp.billing.orders import create_order
from idp.extensions import db
from idp.storage.models import PaymentNotification
from tests.factories import make_org, make_plan, midtrans_body

LIMIT = 5


@pytest.fixture
def order(ctx, app, configure):
    configure(payment_notification_failure_limit=LIMIT)
    org, plan = make_org("acme"), make_plan()
    order, _ = create_order(org, plan)
    return {"id": order.id, "ref": order.gateway_order_id}


def _rows(*where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(PaymentNotification).where(*where))


def _forged(order):
    return midtrans_body(order["ref"], key="not-the-server-key")


def test_a_source_past_its_failure_limit_gets_429(order, notify):
    codes = [notify(_forged(order), source="203.0.113.7").status_code for _ in range(LIMIT + 3)]
    assert codes == [401] * LIMIT + [429] * 3
    limited = notify(_forged(order), source="203.0.113.7")
    assert limited.json["error"] == "temporarily_unavailable"
    assert 0 < int(limited.headers["Retry-After"]) <= 600
    assert _rows() == LIMIT  # a limited source adds no rows
    assert notify(_forged(order), source="198.51.100.1").status_code == 401  # others unaffected
    row = db.session.scalar(select(PaymentNotification).limit(1))
    assert row.source_ip == "203.0.113.7"


@pytest.mark.parametrize("make_body", [
    lambda order: b"{not json",
    lambda order: midtrans_body("TOMPS-0-UNKNOWN"),
    lambda order: midtrans_body(order["ref"], amount="1.00"),
])
def test_every_kind_of_refusal_counts(order, notify, make_body):
    for _ in range(LIMIT):
        assert notify(make_body(order), source="203.0.113.8").status_code in (400, 401, 404, 409)
    assert notify(make_body(order), source="203.0.113.8").status_code == 429


def test_unconfirmed_notifications_count(order, notify):
    for _ in range(LIMIT):
        assert notify(midtrans_body(order["ref"]), confirm_it=False,
                      source="203.0.113.9").status_code == 409
    assert notify(midtrans_body(order["ref"]), source="203.0.113.9").status_code == 429


def test_the_limit_resets_with_the_window(order, notify, app):
    for _ in range(LIMIT + 1):
        notify(_forged(order), source="203.0.113.10")
    clock.advance(app.config["IDP"].payment_notification_failure_window)
    assert notify(midtrans_body(order["ref"]), source="203.0.113.10").status_code == 200


def test_verified_notifications_do_not_count(order, notify):
    for i in range(LIMIT + 2):
        assert notify(midtrans_body(order["ref"], status="pending", txid=f"t{i}"),
                      source="203.0.113.11").status_code == 200


def test_refusals_recorded_per_day_are_capped_over_all_sources(order, notify, app, configure):
    configure(payment_notification_rejected_per_day=3)
    codes = [notify(_forged(order), source=f"192.0.2.{i}").status_code for i in range(8)]
    assert codes == [401] * 8  # still refused, only not all stored
    assert _rows() == 3


def test_the_worker_deletes_old_refusals_and_keeps_payments(order, notify, app):
    assert notify(midtrans_body(order["ref"])).status_code == 200
    notify(_forged(order), source="203.0.113.12")
    retention = app.config["IDP"].payment_notification_retention
    clock.advance(retention - 60)
    notify(_forged(order), source="203.0.113.13")
    clock.advance(120)
    counts = run_due()
    assert counts["notifications_pruned"] == 1
    db.session.expire_all()
    left = db.session.scalars(select(PaymentNotification.outcome)
                              .order_by(PaymentNotification.id)).all()
    assert left == ["processed", "rejected_signature"]
    assert db.session.scalar(select(PaymentNotification.received_at).where(
        PaymentNotification.outcome == "rejected_signature")) > clock.now() - timedelta(
        seconds=retention)
