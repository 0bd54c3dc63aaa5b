"""idp orgs, products, plans, subscriptions: JSON shapes, happy paths, one-line failures that change nothing."""

import pytest


@pytest.fixture
def acme(app, clean):
    """Acme with two people, plans starter (Building, 2 seats) and suite (all three).

    Built through the services (fast); the commands themselves are what the tests run.
    """
    from idp.accounts.users import create_user
    from idp.orgs import organizations, plans

    with app.app_context():
        for email in ("ann@acme.example", "bob@acme.example"):
            create_user(email)
        org = organizations.create_organization("Acme", legal_name="PT Acme", country="ID")
        organizations.add_member("Acme", "ann@acme.example", "owner")
        organizations.add_member(str(org.id), "bob@acme.example")
        plans.create_plan("starter", "Starter", ["building"], seats=2, price="150000",
                          currency="IDR")
        plans.create_plan("suite", "Suite", ["building", "project", "asset"], tier=3,
                          storage_gb=100)
        return {"id": org.id, "name": org.name}


def test_the_fixture_can_be_built_from_the_command_line(run, run_json):
    for email in ("ann@acme.example", "bob@acme.example"):
        assert run("users", "create", "--email", email, "--no-password")[0] == 0
    org = run_json("orgs", "create", "--name", "Acme", "--legal-name", "PT Acme", "--country", "ID")
    run_json("orgs", "add-member", "Acme", "ann@acme.example", "--role", "owner")
    run_json("orgs", "add-member", str(org["id"]), "bob@acme.example")
    run_json("plans", "create", "--code", "starter", "--name", "Starter", "--products", "building",
             "--seats", "2", "--price", "150000", "--currency", "IDR")
    run_json("plans", "create", "--code", "suite", "--name", "Suite", "--products",
             "building,project,asset", "--tier", "3", "--storage-gb", "100", "--free")
    assert [(m["email"], m["role"]) for m in run_json("orgs", "show", "Acme")["members"]] == [
        ("ann@acme.example", "owner"), ("bob@acme.example", "member")]
    assert [p["code"] for p in run_json("plans", "list")] == ["starter", "suite"]


def _fails(run, *args):
    code, out, err = run(*args)
    assert code != 0, out
    assert err.startswith("idp: ") and err.count("\n") == 1, err
    return err


def test_orgs_create_prints_id_and_name(run_json):
    out = run_json("orgs", "create", "--name", "Beta")
    assert set(out) == {"id", "name"} and out["name"] == "Beta" and isinstance(out["id"], int)


def test_orgs_list_and_show(acme, run, run_json):
    assert run_json("orgs", "list") == [{"id": acme["id"], "name": "Acme", "members": 2,
                                         "plan": None, "status": None}]
    shown = run_json("orgs", "show", "Acme")
    assert shown["legal_name"] == "PT Acme" and shown["country"] == "ID"
    assert [(m["email"], m["role"]) for m in shown["members"]] == [
        ("ann@acme.example", "owner"), ("bob@acme.example", "member")]
    code, out, _ = run("orgs", "show", "Acme")
    assert code == 0 and "bob@acme.example" in out
    code, out, _ = run("orgs", "list")
    assert code == 0 and "Acme" in out and "NAME" in out


def test_set_role_and_remove_member(acme, run, run_json):
    assert run("orgs", "set-role", "Acme", "bob@acme.example", "admin")[0] == 0
    assert run("orgs", "set-role", "Acme", "bob@acme.example", "--role", "member")[0] == 0
    assert run_json("orgs", "show", "Acme")["members"][1]["role"] == "member"
    assert run("orgs", "remove-member", "Acme", "bob@acme.example")[0] == 0
    assert len(run_json("orgs", "show", "Acme")["members"]) == 1


@pytest.mark.parametrize("args", [
    ("orgs", "create", "--name", "Acme"),
    ("orgs", "create", "--name", "acme"),
    ("orgs", "create", "--name", "Gamma", "--country", "Indonesia"),
    ("orgs", "add-member", "Nobody", "ann@acme.example"),
    ("orgs", "add-member", "Acme", "ghost@acme.example"),
    ("orgs", "add-member", "Acme", "ann@acme.example"),
    ("orgs", "remove-member", "Acme", "ghost@acme.example"),
    ("orgs", "set-role", "Acme", "bob@acme.example"),
    ("orgs", "set-role", "Acme", "bob@acme.example", "admin", "--role", "owner"),
    ("orgs", "show", "Nobody"),
])
def test_orgs_bad_input_fails_in_one_line_and_changes_nothing(acme, run, run_json, args):
    before = (run_json("orgs", "list"), run_json("orgs", "show", "Acme"))
    _fails(run, *args)
    assert (run_json("orgs", "list"), run_json("orgs", "show", "Acme")) == before


def test_seats_exceeded_when_adding_a_member(acme, run, run_json):
    run_json("subscriptions", "start", "Acme", "starter")
    assert run("users", "create", "--email", "cy@acme.example", "--no-password")[0] == 0
    assert "no free seat" in _fails(run, "orgs", "add-member", "Acme", "cy@acme.example")
    assert len(run_json("orgs", "show", "Acme")["members"]) == 2


def test_products_list_and_set_audience(run, run_json):
    assert run_json("products", "list") == [
        {"code": "asset", "name": "Tomps Asset", "audience": "https://asset.tomps.example"},
        {"code": "building", "name": "Tomps Building", "audience": "https://building.tomps.example"},
        {"code": "project", "name": "Tomps Project", "audience": "https://project.tomps.example"}]
    assert run("products", "set-audience", "asset", "https://api.asset.example")[0] == 0
    for bad in [("asset", "http://api.asset.example"), ("asset", "not a url"),
                ("rocket", "https://rocket.example"), ("asset", "https://building.tomps.example")]:
        _fails(run, "products", "set-audience", *bad)
    assert run_json("products", "list")[0]["audience"] == "https://api.asset.example"


def test_plans_create_list_update_deactivate(acme, run, run_json):
    listed = {p["code"]: p for p in run_json("plans", "list")}
    assert listed["starter"]["products"] == ["building"] and listed["starter"]["seats"] == 2
    assert listed["starter"]["price"] == "150000.00" and listed["starter"]["period_days"] == 30
    updated = run_json("plans", "update", "starter", "--products", "building,project", "--seats", "5")
    assert updated["products"] == ["building", "project"] and updated["seats"] == 5
    assert run("plans", "deactivate", "starter")[0] == 0
    assert [p["code"] for p in run_json("plans", "list", "--active-only")] == ["suite"]
    code, out, _ = run("plans", "list")
    assert code == 0 and "starter" in out


@pytest.mark.parametrize("args", [
    ("plans", "create", "--code", "starter", "--name", "Again", "--products", "building"),
    ("plans", "create", "--code", "x", "--name", "X", "--products", "building,rocket"),
    ("plans", "create", "--code", "x", "--name", "X", "--products", "building", "--seats", "0"),
    ("plans", "create", "--code", "x", "--name", "X", "--products", "building", "--price", "-5"),
    ("plans", "create", "--code", "x", "--name", "X", "--products", "building", "--currency", "rp"),
    ("plans", "update", "gold", "--seats", "3"),
    ("plans", "update", "starter", "--products", ""),
    ("plans", "deactivate", "gold"),
])
def test_plans_bad_input(acme, run, run_json, args):
    before = run_json("plans", "list")
    _fails(run, *args)
    assert run_json("plans", "list") == before


def test_subscription_lifecycle(acme, run, run_json):
    started = run_json("subscriptions", "start", "Acme", "starter")
    assert {"status", "plan", "current_period_start", "current_period_end", "periods"} <= set(started)
    assert started["status"] == "active" and started["plan"] == "starter"
    assert started["periods"] == [{"start": started["current_period_start"],
                                   "end": started["current_period_end"], "order_id": None,
                                   "plan": "starter", "cancelled_at": None}]
    moved = run_json("subscriptions", "change-plan", str(acme["id"]), "suite")
    assert moved["plan"] == "suite" and moved["current_period_end"] == started["current_period_end"]
    extended = run_json("subscriptions", "extend", "Acme", "--days", "7")
    assert len(extended["periods"]) == 2 and extended["periods"][1]["start"] == started["current_period_end"]
    assert run_json("subscriptions", "show", "Acme")["current_period_end"] == extended["current_period_end"]
    assert run_json("subscriptions", "cancel", "Acme")["status"] == "cancelled"
    code, out, _ = run("subscriptions", "show", "Acme")
    assert code == 0 and "cancelled" in out


@pytest.mark.parametrize("args", [
    ("subscriptions", "start", "Acme", "starter"),  # a second current subscription
    ("subscriptions", "start", "Acme", "gold"),
    ("subscriptions", "start", "Nobody", "suite"),
    ("subscriptions", "change-plan", "Acme", "gold"),
    ("subscriptions", "change-plan", "Acme", "suite"),  # already on it
    ("subscriptions", "extend", "Acme", "--days", "0"),
    ("subscriptions", "extend", "Nobody"),
    ("subscriptions", "show", "Nobody"),
])
def test_subscriptions_bad_input(acme, run, run_json, args):
    run_json("subscriptions", "start", "Acme", "suite")
    before = run_json("subscriptions", "show", "Acme")
    _fails(run, *args)
    assert run_json("subscriptions", "show", "Acme") == before


def test_subscriptions_without_one(acme, run):
    assert "no current subscription" in _fails(run, "subscriptions", "cancel", "Acme")
    assert "no current subscription" in _fails(run, "subscriptions", "change-plan", "Acme", "suite")
    assert "has no subscription" in _fails(run, "subscriptions", "show", "Acme")


def test_orgs_update_company_info(acme, run, run_json):
    out = run_json("orgs", "update", "Acme", "--billing-email", "billing@acme.example",
                   "--country", "sg", "--legal-name", "")
    assert (out["billing_email"], out["country"], out["legal_name"]) == (
        "billing@acme.example", "SG", None)
    _fails(run, "orgs", "update", "Acme", "--billing-email", "not-an-email")
    assert run_json("orgs", "show", "Acme")["billing_email"] == "billing@acme.example"


def test_cli_as_a_subprocess(acme, settings_env):
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, **settings_env, "PYTHONPATH": ROOT}
    done = subprocess.run([sys.executable, "-m", "idp", "products", "list", "--json"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert [p["code"] for p in json.loads(done.stdout)] == ["asset", "building", "project"]
    bad = subprocess.run([sys.executable, "-m", "idp", "subscriptions", "start", "Acme", "gold"],
                         env=env, capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert bad.returncode == 1 and bad.stderr.strip() == "idp: no plan 'gold'"


def test_an_organisations_time_zone(acme, run, run_json):
    """Issue 14: the zone its pages and reminder emails show times in (IANA names only)."""
    assert run_json("orgs", "update", "Acme", "--timezone", "Asia/Makassar")["timezone"] == \
        "Asia/Makassar"
    code, _, err = run("orgs", "update", "Acme", "--timezone", "WITA")
    assert code == 1 and err.strip().startswith("idp: time zone must be an IANA name")
    assert run_json("orgs", "show", "Acme")["timezone"] == "Asia/Makassar"
