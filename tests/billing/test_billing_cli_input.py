"""Operator input (issue 13 item 6): plans create needs --price or --free; the currency is
ISO 4217 (any case); absurd amounts are refused; several mistakes come in one line;
subscriptions cancel / change-plan say what changes and never ask without a terminal or
with --json; stdout carries only the output."""

import json

import pytest

from idp.web.money import format_money
from tests.factories import make_org, make_plan


@pytest.fixture
def acme(ctx):
    org = make_org("acme")
    make_plan("suite", price="150000")
    make_plan("starter", price="50000", products=("building",), tier=1)
    return org


def test_plans_create_without_price_is_refused_unless_free(acme, run, run_json):
    code, out, err = run("plans", "create", "--code", "x", "--name", "X", "--products", "building")
    assert code == 1 and "--price is required" in err and err.count("\n") == 1 and not out
    data = run_json("plans", "create", "--code", "gratis", "--name", "Gratis",
                    "--products", "building", "--free")
    assert data["price"] in ("0", "0.00")


@pytest.mark.parametrize("args,message", [
    (("--price", "100", "--currency", "XYZ"), "not an ISO 4217 code"),
    (("--price", "100", "--currency", "rupiah"), "not an ISO 4217 code"),
    (("--price", "99999999999"), "absurd"),
    (("--price", "-1"), "non-negative"),
    (("--price", "100.5", "--currency", "IDR"), "whole amount"),
])
def test_bad_prices_and_currencies_are_one_line(acme, run, args, message):
    code, out, err = run("plans", "create", "--code", "x", "--name", "X",
                         "--products", "building", *args)
    assert code == 1 and message in err and err.count("\n") == 1 and not out


def test_currency_in_any_case_is_accepted(acme, run_json):
    data = run_json("plans", "create", "--code", "usd", "--name", "USD", "--products",
                    "building", "--price", "10", "--currency", "usd")
    assert data["currency"] == "USD"


def test_several_mistakes_are_reported_together(acme, run):
    code, out, err = run("plans", "create", "--code", "Bad Code", "--name", "X",
                         "--products", "nothing", "--currency", "XYZ", "--seats", "0")
    assert code == 1 and err.count("\n") == 1 and not out
    for part in ("--price is required", "code must be", "unknown product", "ISO 4217",
                 "seats must be"):
        assert part in err, err


def test_cancel_and_change_plan_say_what_changes_and_do_not_ask_without_a_tty(acme, run):
    code, out, err = run("subscriptions", "start", "acme", "suite", "--json")
    assert code == 0, err
    code, out, err = run("subscriptions", "change-plan", "acme", "starter", "--json")
    assert code == 0, err
    json.loads(out)  # stdout is the JSON alone; the explanation went to stderr
    assert "suite -> starter" in err and "loses now: asset, project" in err
    code, out, err = run("subscriptions", "cancel", "acme", "--at-period-end")
    assert code == 0, err
    assert "ends at" in err and out.startswith("cancels at")
    code, out, err = run("subscriptions", "resume", "acme", "--json")
    assert code == 0 and json.loads(out)["cancel_at_period_end"] is False


@pytest.mark.parametrize("locale,expected", [("id", "Rp 1.500.000"),
                                             ("en", "IDR 1,500,000.00")])
def test_format_money(locale, expected):
    assert format_money("1500000.00", "IDR", locale) == expected
