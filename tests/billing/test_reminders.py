"""Renewal reminders over a real local SMTP server (aiosmtpd) and a real webhook receiver."""

import json
import threading
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from sqlalchemy import select

from idp import clock
from idp.billing.jobs import run_due
from idp.billing.notify import sign
from idp.extensions import db
from idp.storage.models import Reminder
from tests.factories import make_member, make_org, make_plan, subscribe
from tests.helpers.ports import reserve_port
from tests.helpers.smtp import smtp_sink

DAY = 86400


@pytest.fixture
def smtp(app, configure):
    with smtp_sink(configure) as sink:
        yield sink


@pytest.fixture
def subscribed(ctx):
    org, plan = make_org("acme"), make_plan()
    owner, admin = make_member(org, "owner"), make_member(org, "admin")
    make_member(org, "member")
    period = subscribe(org, plan)
    return {"org": org, "plan": plan, "end": period.end, "to": sorted([owner["email"], admin["email"]])}


def _at(end, days_before, hours=1):
    """A moment ``hours`` after the reminder ``days_before`` the end became due."""
    return end - timedelta(days=days_before) + timedelta(hours=hours)


def _rows():
    db.session.expire_all()
    return {r.days_before: r.status for r in db.session.scalars(select(Reminder))}


def test_each_reminder_is_sent_once_to_owners_and_admins(subscribed, smtp):
    end = subscribed["end"]
    assert run_due(end - timedelta(days=8))["reminders_sent"] == 0
    assert run_due(_at(end, 7))["reminders_sent"] == 1
    assert run_due(_at(end, 7, hours=2))["reminders_sent"] == 0
    assert run_due(_at(end, 3))["reminders_sent"] == 1
    assert run_due(_at(end, 1))["reminders_sent"] == 1
    assert len(smtp.messages) == 3
    assert sorted(smtp.messages[0].rcpt_tos) == subscribed["to"]
    message = message_from_bytes(smtp.messages[0].content)
    assert "7 days" in message["Subject"]
    assert f"/account/renew?org={subscribed['org'].id}" in message.get_payload()
    assert _rows() == {7: "sent", 3: "sent", 1: "sent"}


def test_two_workers_at_the_same_moment_send_one_email(subscribed, smtp, app):
    moment = _at(subscribed["end"], 3)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(run_due(moment)["reminders_sent"])

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [0, 1]
    assert len(smtp.messages) == 1


def test_missed_reminders_send_only_the_latest(subscribed, smtp):
    run_due(_at(subscribed["end"], 1))
    assert len(smtp.messages) == 1
    assert "1 day" in message_from_bytes(smtp.messages[0].content)["Subject"]
    assert _rows() == {7: "skipped", 3: "skipped", 1: "sent"}


def test_no_reminder_after_renewal(subscribed, smtp, notify):
    from idp.billing.orders import create_order
    from tests.factories import midtrans_body

    end = subscribed["end"]
    run_due(_at(end, 7))
    order, _ = create_order(subscribed["org"], subscribed["plan"])
    clock.advance((end - clock.now()).total_seconds() - 5 * DAY)
    assert notify(midtrans_body(order.gateway_order_id)).status_code == 200
    assert run_due(_at(end, 3))["reminders_sent"] == 0
    assert run_due(_at(end, 1))["reminders_sent"] == 0
    assert len(smtp.messages) == 1


def test_smtp_failure_is_retried_with_backoff(subscribed, smtp, app, configure):
    working_port = app.config["IDP"].smtp_port
    configure(smtp_port=reserve_port())  # nobody listens
    moment = _at(subscribed["end"], 7)
    assert run_due(moment)["reminders_retry"] == 1
    row = db.session.scalar(select(Reminder))
    assert row.status == "retry" and row.attempts == 1 and "smtp" in row.last_error
    configure(smtp_port=working_port)
    assert run_due(moment + timedelta(seconds=10))["reminders_sent"] == 0  # backoff not over
    backoff = app.config["IDP"].reminder_retry_backoff
    assert run_due(moment + timedelta(seconds=backoff + 1))["reminders_sent"] == 1
    assert run_due(moment + timedelta(seconds=backoff + 2))["reminders_sent"] == 0
    assert len(smtp.messages) == 1


def test_retry_is_dropped_when_the_period_was_renewed(subscribed, smtp, app, configure):
    from idp.orgs.subscriptions import apply_paid_period

    configure(smtp_port=reserve_port())
    moment = _at(subscribed["end"], 7)
    run_due(moment)
    apply_paid_period(db.session, subscribed["org"].id, subscribed["plan"], None)
    db.session.commit()
    result = run_due(moment + timedelta(days=1))
    assert result["reminders_skipped"] == 1 and result["reminders_sent"] == 0


def test_gives_up_after_max_attempts(subscribed, app, configure):
    configure(smtp_host="127.0.0.1", smtp_port=reserve_port(), reminder_max_attempts=2)
    moment = _at(subscribed["end"], 7)
    run_due(moment)
    assert run_due(moment + timedelta(hours=1))["reminders_failed"] == 1
    assert run_due(moment + timedelta(hours=5))["reminders_retry"] == 0


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook(app, configure):
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    configure(notify_webhook_url=f"http://127.0.0.1:{server.server_port}/hook",
              notify_webhook_secret="hook-secret")
    yield _Hook.received
    server.shutdown()
    server.server_close()


def test_webhook_is_signed(subscribed, webhook, smtp):
    run_due(_at(subscribed["end"], 3))
    assert len(webhook) == 1
    headers, body = webhook[0]
    assert headers["X-Tomps-Signature"] == sign(body, "hook-secret")
    assert headers["X-Tomps-Signature"] != sign(body, "other")
    payload = json.loads(body)
    assert payload["type"] == "renewal_reminder" and payload["days_before"] == 3
    assert len(smtp.messages) == 1


def test_nothing_configured_is_retried_not_lost(subscribed):
    result = run_due(_at(subscribed["end"], 7))
    assert result["reminders_retry"] == 1


def test_webhook_only_failure_is_retried(subscribed, app, configure):
    configure(notify_webhook_url=f"http://127.0.0.1:{reserve_port()}/hook")  # nobody listens
    result = run_due(_at(subscribed["end"], 7))
    assert result["reminders_retry"] == 1 and result["reminders_sent"] == 0


def test_webhook_secret_defaults_to_the_secret_key(subscribed, webhook, app, configure):
    configure(notify_webhook_secret="")
    assert run_due(_at(subscribed["end"], 7))["reminders_sent"] == 1
    headers, body = webhook[0]
    assert headers["X-Tomps-Signature"] == sign(body, app.config["IDP"].secret_key)


def test_a_reminder_goes_out_in_each_owners_saved_language(subscribed, smtp):
    """Issue 14: the owner chose Bahasa Indonesia (the switcher saved it on their profile);
    the admin saved nothing (the default, English). Each reads the reminder in theirs."""
    from email.header import decode_header, make_header

    from idp.storage.models import User

    email = next(e for e in subscribed["to"] if e.startswith("owner-"))
    owner = db.session.scalars(select(User).where(User.email == email)).one()
    owner.locale = "id"
    db.session.commit()
    assert run_due(_at(subscribed["end"], 7))["reminders_sent"] == 1
    assert len(smtp.messages) == 2
    by_recipient = {tuple(m.rcpt_tos): message_from_bytes(m.content) for m in smtp.messages}
    indonesian = by_recipient[(owner.email,)]
    english = next(m for rcpt, m in by_recipient.items() if rcpt != (owner.email,))
    subject = str(make_header(decode_header(indonesian["Subject"])))
    body = indonesian.get_payload(decode=True).decode()
    assert "berakhir dalam 7 hari" in subject
    assert "berakhir pada" in body and "Perpanjang di sini" in body and "Hello" not in body
    english_body = english.get_payload(decode=True).decode()
    assert "7 days" in str(make_header(decode_header(english["Subject"])))
    assert "ends on" in english_body and "berakhir" not in english_body
    # The end is spelt out by Babel in Jakarta time, not "%Y-%m-%d %H:%M UTC".
    assert " WIB" in body and " WIB" in english_body and "UTC" not in body
