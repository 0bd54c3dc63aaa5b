"""The CLI's two kinds of failure: bad input (an IdPError: one line, exit 1) and a bug
(anything else: a traceback, "internal error", exit 70) — a bug never reads as bad input."""

from __future__ import annotations

from idp.errors import INTERNAL_ERROR, IdPError
from idp.orgs.errors import OrgError


def test_a_bug_is_shown_as_a_bug_not_as_bad_input(run, monkeypatch):
    from idp.orgs import organizations

    def broken():
        raise ValueError("an internal invariant broke")  # a bug, whatever its type

    monkeypatch.setattr(organizations, "list_organizations", broken)
    code, _, err = run("orgs", "list")
    assert code == INTERNAL_ERROR != 1
    assert "Traceback" in err and "internal error (ValueError)" in err
    assert not err.startswith("idp: an internal invariant broke")


def test_a_bug_outside_any_service_type_is_a_bug_too(run, monkeypatch):
    from idp.orgs import organizations

    monkeypatch.setattr(organizations, "list_organizations", lambda: 1 / 0)
    code, _, err = run("orgs", "list")
    assert code == INTERNAL_ERROR and "ZeroDivisionError" in err


def test_an_idp_error_is_one_line_and_exit_1(run):
    code, out, err = run("orgs", "show", "no such organisation")
    assert (code, out) == (1, "")
    assert err == "idp: no organisation 'no such organisation'\n"


def test_service_errors_are_idp_errors():
    from idp.accounts.users import UserError
    from idp.billing.gateways.base import GatewayError
    from idp.billing.orders import OrderError
    from idp.clients.registry import ClientError
    from idp.config import ConfigError
    from idp.crypto.envelope import EnvelopeError
    from idp.keystore.kek import KeyEncryptionKeyError
    from idp.keystore.keys import KeystoreError
    from idp.sessions.backchannel import DeliveryError

    for kind in (UserError, OrderError, OrgError, ClientError, KeystoreError, EnvelopeError,
                 KeyEncryptionKeyError, ConfigError, GatewayError, DeliveryError):
        assert issubclass(kind, IdPError), kind
        assert not issubclass(kind, ValueError), kind  # a stray ValueError is not bad input


def test_public_and_private_texts():
    error = OrgError("no organisation 'x'", detail="looked up by name, then case-insensitively")
    assert str(error) == error.public == "no organisation 'x'"
    assert error.detail.startswith("looked up")
