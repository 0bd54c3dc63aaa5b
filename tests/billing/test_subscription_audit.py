"""Every subscription change writes a ``subscription.changed`` audit row (issue 11 item 9):
who did it (person, operator, gateway, worker), what, before/after plan and period end."""

from datetime import datetime

import pytest

from idp import clock
from idp.billing import payments
from idp.billing.jobs import run_due
from idp.billing.orders import create_order
from idp.extensions import db
from tests.factories import add_order, amount_of, make_member, make_org, make_plan, midtrans_body


@pytest.fixture
def setup(ctx):
    org = make_org("acme")
    owner = make_member(org, "owner")
    starter = make_plan("starter", price="50000", products=("building",), tier=1)
    suite = make_plan("suite", price="150000", tier=3)
    return org, owner, starter, suite


def _changes(run_json):
    return [row["detail"] for row in run_json("audit", "search", "--type", "subscription.changed")]


def _end(text):
    return datetime.fromisoformat(text)


def test_operator_commands_are_audited_with_before_and_after(setup, run_json):
    run_json("subscriptions", "start", "acme", "starter")
    run_json("subscriptions", "change-plan", "acme", "suite")
    run_json("subscriptions", "extend", "acme", "--days", "10")
    run_json("subscriptions", "cancel", "acme")
    rows = _changes(run_json)
    assert [r["action"] for r in rows] == ["start", "change_plan", "extend", "cancel"]
    assert all(r["actor"]["kind"] == "operator" for r in rows)
    start, change, extend, cancel = rows
    assert start["before"] is None and start["after"]["plan"] == "starter"
    assert change["before"]["plan"] == "starter" and change["after"]["plan"] == "suite"
    assert change["before"]["period_end"] == change["after"]["period_end"]
    assert (_end(extend["after"]["period_end"]) - _end(extend["before"]["period_end"])).days == 10
    assert cancel["after"]["status"] == "cancelled"


def test_gateway_payment_and_refund_are_audited(setup, notify, run_json):
    org, owner, starter, _ = setup
    order, _ = create_order(org, starter, owner["id"])
    body = midtrans_body(order.gateway_order_id, amount=amount_of(starter), txid="tx-1")
    assert notify(body).status_code == 200
    refund = midtrans_body(order.gateway_order_id, status="refund", amount=amount_of(starter),
                           txid="tx-1")
    assert notify(refund).status_code == 200
    paid, refunded = _changes(run_json)
    assert paid["action"] == "paid" and paid["order_id"] == order.id
    assert paid["actor"] == {"kind": "gateway", "gateway": "midtrans"}
    assert paid["ordered_by"] == owner["id"]
    assert paid["before"] is None and paid["after"]["plan"] == "starter"
    assert refunded["action"] == "refund" and refunded["order_id"] == order.id
    assert refunded["before"]["plan"] == "starter" and refunded["after"]["status"] == "cancelled"
    assert refunded["period"]["plan"] == "starter"


def test_mark_paid_is_audited_as_the_operator(setup, run_json):
    org, _, starter, _ = setup
    order, _ = create_order(org, starter)
    run_json("orders", "mark-paid", str(order.id), "--reference", "BCA-1")
    (row,) = _changes(run_json)
    assert row["action"] == "mark_paid" and row["actor"]["kind"] == "operator"
    assert row["order_id"] == order.id and row["reference"] == "BCA-1"


def test_a_later_period_records_its_own_plan_and_the_plan_in_force(setup, notify, run_json):
    org, _, starter, suite = setup
    first, _ = create_order(org, starter)
    payments.mark_paid(first.id, "BCA-1")
    later = add_order(org, suite)
    notify(midtrans_body(later.gateway_order_id, amount=amount_of(suite), txid="tx-2"))
    row = _changes(run_json)[-1]
    assert row["before"]["plan"] == row["after"]["plan"] == "starter"  # in force now
    assert row["period"]["plan"] == "suite"


def test_expiry_and_the_plan_boundary_are_audited_as_the_worker(setup, notify, run_json):
    org, _, starter, suite = setup
    first, _ = create_order(org, suite)
    payments.mark_paid(first.id, "BCA-1")
    later = add_order(org, starter)
    notify(midtrans_body(later.gateway_order_id, amount=amount_of(starter), txid="tx-2"))
    clock.advance(31 * 86400)
    run_due()
    clock.advance(30 * 86400)
    run_due()
    switched, expired = _changes(run_json)[-2:]
    assert switched["action"] == "period_started" and switched["actor"] == {"kind": "worker"}
    assert (switched["before"]["plan"], switched["after"]["plan"]) == ("suite", "starter")
    assert expired["action"] == "expire" and expired["actor"] == {"kind": "worker"}
    assert expired["after"]["status"] == "expired"


def test_audit_rows_commit_with_the_change_only(setup, run_json):
    from idp.orgs import subscriptions
    from idp.orgs.errors import OrgError

    subscriptions.start("acme", "starter")
    with pytest.raises(OrgError):
        subscriptions.start("acme", "suite")  # refused: no row
    with pytest.raises(OrgError):
        subscriptions.extend("acme", days=0)
    db.session.rollback()
    assert [r["action"] for r in _changes(run_json)] == ["start"]


def test_a_person_is_named_as_the_actor(setup, run_json):
    from idp.orgs import subscriptions
    from idp.orgs.audit_trail import person

    owner = setup[1]
    subscriptions.start("acme", "starter")
    subscriptions.cancel("acme", actor=person(owner["id"]))
    rows = run_json("audit", "search", "--type", "subscription.changed")
    assert rows[-1]["user_id"] == owner["id"]
    assert rows[-1]["detail"]["actor"] == {"kind": "person", "user_id": owner["id"]}
    assert [r["detail"]["action"] for r in run_json(
        "audit", "search", "--type", "subscription.changed", "--user", owner["email"])] == ["cancel"]
