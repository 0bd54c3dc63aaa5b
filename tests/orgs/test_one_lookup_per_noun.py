"""One lookup per noun, with one set of rules, whichever command or page asks.

Before, "find an organisation" existed three times: `idp subscriptions show acme` found
"Acme" while `idp orders create acme suite` and `idp security require-totp acme` said
"no organisation", and `idp security require-totp 99999999999999999999` stopped with an
OverflowError. A country was two letters for the CLI and the ISO list for the page.
"""

from __future__ import annotations

import pytest

from idp.orgs import organizations
from idp.storage.ids import MAX_ID, row_id
from tests.factories import make_org, make_plan


@pytest.fixture
def acme(ctx):
    org = make_org("Acme")
    make_plan("suite")
    make_plan("old", active=False)
    return org


@pytest.mark.parametrize("command", [
    ("orders", "create", "acme", "suite"),
    ("orders", "list", "--org", "ACME"),
    ("security", "require-totp", "acme"),
    ("subscriptions", "start", "acme", "suite"),
    ("orgs", "show", "aCmE"),
])
def test_every_command_finds_an_organisation_by_name_in_any_case(acme, run, command):
    code, _, err = run(*command)
    assert code == 0, err


@pytest.mark.parametrize("ref", ["99999999999999999999", str(MAX_ID + 1), "0", "²", "١٢", "1.5"])
@pytest.mark.parametrize("command", [("security", "require-totp"), ("orders", "list", "--org"),
                                     ("orgs", "show"), ("subscriptions", "show")])
def test_an_id_no_row_can_have_is_one_line(acme, run, command, ref):
    code, out, err = run(*command, ref)
    assert (code, out) == (1, "") and err.startswith("idp: no organisation") and \
        err.count("\n") == 1


def test_row_ids():
    assert [row_id(v) for v in ("1", " 42 ", 7, str(MAX_ID))] == [1, 42, 7, MAX_ID]
    assert [row_id(v) for v in (str(MAX_ID + 1), "0", "²", "1e3", "", None, True, "-3")] == \
        [None] * 8


@pytest.mark.parametrize("plan,message", [("nope", "no plan 'nope'"),
                                          ("old", "plan old is no longer offered")])
def test_orders_and_subscriptions_refuse_a_plan_alike(acme, run, plan, message):
    for command in (("orders", "create", "Acme", plan), ("subscriptions", "start", "Acme", plan)):
        code, _, err = run(*command)
        assert code == 1 and err == f"idp: {message}\n", command


# --- company information: the CLI and the account page's form, one set of rules -------------

REFUSED = [{"country": "XX"}, {"country": "IDN"}, {"tax_id": "<script>"},
           {"legal_name": "PT Acme\x00"}, {"billing_email": "not-an-email"},
           {"legal_name": "x" * 301}, {"address": "Jl. Sudirman\x07"}]
ACCEPTED = [{"country": "id"}, {"address": "Jl. Sudirman 1\r\nJakarta"},
            {"tax_id": "01.234.567.8-901.000"}, {"billing_email": "finance@acme.example"}]


def _form_valid(app, fields: dict) -> bool:
    from idp.web.forms import CompanyForm

    data = {"legal_name": "PT Acme", "country": "ID", "billing_email": "f@acme.example",
            **fields}
    with app.test_request_context(method="POST", data=data):
        form = CompanyForm(meta={"csrf": False})
        return form.validate()


@pytest.mark.parametrize("fields", REFUSED)
def test_company_info_refused_by_the_cli_and_the_form(app, acme, run, fields):
    option, value = next(iter(fields.items()))
    code, _, err = run("orgs", "update", "Acme", f"--{option.replace('_', '-')}", value)
    assert code == 1 and err.count("\n") == 1, err
    assert not _form_valid(app, fields)


@pytest.mark.parametrize("fields", ACCEPTED)
def test_company_info_accepted_by_the_cli_and_the_form(app, acme, run, fields):
    option, value = next(iter(fields.items()))
    code, _, err = run("orgs", "update", "Acme", f"--{option.replace('_', '-')}", value)
    assert code == 0, err
    assert _form_valid(app, fields)


def test_the_organisation_lock_is_one_function(ctx, acme):
    """Seats and subscription changes take the same row lock (organizations.lock)."""
    import inspect

    from idp.orgs import subscriptions

    assert "lock(" in inspect.getsource(subscriptions.changing)
    assert "lock(" in inspect.getsource(organizations.add_member)
    assert "with_for_update" not in inspect.getsource(subscriptions)
