"""Issue 11 item 4: lost access is announced from a durable outbox, retried until done."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from idp import clock
from idp.events import entitlements_changed
from idp.extensions import db
from idp.orgs import outbox, subscriptions
from idp.storage.models import EntitlementAnnouncement


class Flaky:
    """A receiver that fails its first ``failures`` calls (as the back-channel part does
    while Redis is down), then records what it is sent."""

    def __init__(self, failures: int = 1):
        self.failures = failures
        self.calls = 0
        self.received = []

    def __call__(self, sender, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("receiver down")
        self.received.append(kwargs)


@pytest.fixture
def flaky():
    receiver = Flaky()
    with entitlements_changed.connected_to(receiver):
        yield receiver


def _rows():
    db.session.rollback()
    return db.session.scalars(select(EntitlementAnnouncement)).all()


def test_the_row_is_written_with_the_change_and_done_once_delivered(plans, org_with, signals):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "suite")
    subscriptions.change_plan(org_id, "duo")
    (row,) = _rows()
    assert row.organization_id == org_id and row.reason == "downgraded"
    assert row.lost_products == {str(uid): ["asset"]} and row.done_at is not None
    assert outbox.pending(org_id) == 0 and outbox.follow_up(org_id) == "done"
    assert len(signals) == 1


def test_a_failed_announcement_is_retried_with_backoff_until_done(plans, org_with, flaky):
    org_id, (uid,) = org_with(1)
    subscriptions.start(org_id, "suite")
    subscriptions.change_plan(org_id, "duo")  # committed; announcing it failed
    (row,) = _rows()
    assert row.done_at is None and row.attempts == 1 and "receiver down" in row.last_error
    assert outbox.pending(org_id) == 1 and outbox.follow_up(org_id) == "pending"

    assert outbox.deliver_due() == 0  # not due before its backoff
    clock.advance(outbox.RETRY_BASE)
    assert outbox.deliver_due() == 1
    assert flaky.received == [{"organization_id": org_id, "user_ids": [uid],
                               "lost_products": {uid: {"asset"}}, "reason": "downgraded"}]
    assert outbox.pending(org_id) == 0
    clock.advance(outbox.RETRY_MAX)
    assert outbox.deliver_due() == 0 and flaky.calls == 2  # done means done


def test_the_backoff_doubles_up_to_its_maximum(plans, org_with):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    receiver = Flaky(failures=100)
    with entitlements_changed.connected_to(receiver):
        subscriptions.change_plan(org_id, "duo")
        delays = []
        for _ in range(8):
            (row,) = _rows()
            delays.append(round((row.next_attempt_at - clock.now()).total_seconds()))
            clock.advance(delays[-1])
            outbox.deliver_due()
    assert delays == [5, 10, 20, 40, 80, 160, 300, 300]


def test_one_failing_receiver_does_not_keep_the_others_from_their_share(plans, org_with, flaky,
                                                                         signals):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    subscriptions.cancel(org_id)
    assert [s["reason"] for s in signals] == ["cancelled"]  # done at once, despite flaky
    assert outbox.pending(org_id) == 1  # and the row waits for flaky


def test_concurrent_deliverers_announce_a_row_once(app, plans, org_with, flaky):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    subscriptions.change_plan(org_id, "duo")  # pending after its first, failed attempt
    clock.advance(outbox.RETRY_BASE)
    barrier = threading.Barrier(8)

    def deliver():
        with app.app_context():
            barrier.wait()
            outbox.deliver_due()
            db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(flaky.received) == 1 and outbox.pending(org_id) == 0


def test_a_change_that_fails_writes_no_row(plans, org_with):
    from idp.orgs.errors import OrgError

    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    with pytest.raises(OrgError):
        subscriptions.change_plan(org_id, "nope")
    assert _rows() == []


def test_the_cli_json_says_whether_the_follow_up_is_pending(plans, org_with, run_json, flaky):
    org_id, _ = org_with(1)
    subscriptions.start(org_id, "suite")
    assert run_json("subscriptions", "change-plan", str(org_id), "duo")["follow_up"] == "pending"
    clock.advance(outbox.RETRY_BASE)
    outbox.deliver_due()
    assert run_json("subscriptions", "show", str(org_id))["follow_up"] == "done"
