"""idp orders create | show | list | mark-paid."""

import json

import pytest
from sqlalchemy import select

from idp.extensions import db
from idp.storage.models import Subscription
from tests.factories import make_org, make_plan


@pytest.fixture
def org(ctx):
    org = make_org("acme")
    make_plan("suite", price="150000")
    make_plan("old", active=False)
    return org


def test_create_prints_the_contract_shape(org, run_json):
    data = run_json("orders", "create", "acme", "suite")
    assert {"id", "gateway_order_id", "amount", "currency", "status"} <= set(data)
    assert data["amount"] == "150000.00" and data["currency"] == "IDR"
    assert data["status"] == "awaiting_payment"
    assert data["gateway_order_id"].startswith(f"TOMPS-{org.id}-")


def test_create_again_returns_the_same_order(org, run_json):
    first = run_json("orders", "create", "acme", "suite")
    again = run_json("orders", "create", str(org.id), "suite")
    assert again["id"] == first["id"]


@pytest.mark.parametrize("args,message", [
    (("nobody", "suite"), "no organisation"),
    (("acme", "nope"), "no plan 'nope'"),
    (("acme", "old"), "plan old is no longer offered"),
])
def test_create_bad_input_is_one_line(org, run, args, message):
    code, out, err = run("orders", "create", *args)
    assert code == 1 and message in err and err.count("\n") == 1 and out == ""


def test_show_and_list(org, run, run_json):
    created = run_json("orders", "create", "acme", "suite")
    assert run_json("orders", "show", str(created["id"]))["id"] == created["id"]
    listed = run_json("orders", "list", "--org", "acme")
    assert [o["id"] for o in listed] == [created["id"]]
    code, out, _ = run("orders", "list", "--org", "acme")
    assert code == 0 and created["gateway_order_id"] in out
    code, _, err = run("orders", "show", "999")
    assert code == 1 and "no order" in err
    code, _, err = run("orders", "show", "abc")
    assert code == 1 and "no order" in err


def test_mark_paid_activates_once(org, run, run_json):
    created = run_json("orders", "create", "acme", "suite")
    paid = run_json("orders", "mark-paid", str(created["id"]), "--reference", "BCA-77")
    assert paid["status"] == "paid" and paid["payment_reference"] == "BCA-77"
    db.session.expire_all()
    assert db.session.scalar(select(Subscription)).status == "active"
    code, _, err = run("orders", "mark-paid", str(created["id"]), "--reference", "BCA-78")
    assert code == 1 and "not awaiting payment" in err
    code, _, err = run("orders", "mark-paid", str(created["id"]), "--reference", "")
    assert code == 1 and "reference" in err


def test_json_is_parseable_for_every_command(org, run):
    code, out, _ = run("orders", "list", "--org", "acme", "--json")
    assert code == 0 and json.loads(out) == []


@pytest.mark.parametrize("args", [("orders", "show", "99999999999999999999"),
                                  ("orders", "list", "--org", "99999999999999999999"),
                                  ("orders", "mark-paid", "2147483648", "--reference", "R")])
def test_out_of_range_ids_are_one_line_errors(org, run, args):
    code, _, err = run(*args)
    assert code == 1 and err.startswith("idp: no ") and "database" not in err
