"""idp sessions list|revoke|revoke-all|deliveries|redeliver, idp worker, idp users disable."""

from __future__ import annotations

import json

import pytest

from idp import clock
from tests.sessions.conftest import deliveries


@pytest.fixture
def run(clean):
    from click.testing import CliRunner

    from idp.cli import cli

    def invoke(*args):
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_list_shows_the_session_fields(run, user, signed_in, rp_clients):
    code, out, err = run("sessions", "list", "--user", user["email"], "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["sid"] == signed_in and row["amr"] == ["pwd"] and row["acr"] == "0"
    assert sorted(row["clients"]) == sorted(c["client_id"] for c in rp_clients.values())
    for key in ("auth_time", "created_at", "last_seen", "idle_expires_at", "expires_at"):
        assert row[key]
    code, out, _ = run("sessions", "list", "--user", user["email"])
    assert code == 0 and signed_in in out


def test_list_of_an_unknown_person_fails_with_one_line(run, clean):
    code, _, err = run("sessions", "list", "--user", "nobody@example.com")
    assert code == 1 and err.count("\n") == 1 and err.startswith("idp: ")


def test_revoke_ends_the_session_and_its_clients_hear_of_it(app, run, web, signed_in,
                                                            receivers):
    code, out, err = run("sessions", "revoke", signed_in, "--json")
    assert code == 0, err
    assert json.loads(out)["sid"] == signed_in
    assert web.get("/signed-in").status_code == 302
    assert {d["reason"] for d in deliveries(app)} == {"admin_revoke"}
    code, out, err = run("worker", "--once")
    assert code == 0 and "processed 3" in out
    assert [len(r.received) for r in receivers.values()] == [1, 1, 1]


def test_a_sid_never_starts_like_an_option(app, run, user, monkeypatch):
    """A sid is pasted into `idp sessions revoke SID`: a leading '-' made it an option
    (exit 2, "No such option"), one session in 64."""
    import secrets

    from idp.sessions import store as sso

    drawn = iter(["-fztIrFA3GDiTv3aWCANC2Qyv0FEcJ1x", "fztIrFA3GDiTv3aWCANC2Qyv0FEcJ1x-"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(drawn))
    with app.app_context():
        sid = sso.create(user["id"], ["pwd"]).sid
    monkeypatch.undo()
    code, out, err = run("sessions", "revoke", sid, "--json")
    assert code == 0, err
    assert json.loads(out)["sid"] == sid == "fztIrFA3GDiTv3aWCANC2Qyv0FEcJ1x-"


@pytest.mark.parametrize("sid", ["unknown-sid-1234567890", "user:1", "x" * 100])
def test_revoke_unknown_or_malformed_sid_fails(run, signed_in, sid):
    code, _, err = run("sessions", "revoke", sid)
    assert code == 1 and "no live session" in err


def test_revoke_all_ends_every_session(app, run, user, signed_in):
    from idp.sessions import store as sso

    with app.app_context():
        sso.create(user["id"], ["pwd"])
    code, out, _ = run("sessions", "revoke-all", "--user", user["email"], "--json")
    assert code == 0 and json.loads(out)["sessions_ended"] == 2
    with app.app_context():
        assert sso.list_for_user(user["id"]) == []
    assert len(deliveries(app)) == 3


def test_users_disable_ends_sessions_through_the_back_channel(app, run, web, user, signed_in):
    code, out, err = run("users", "disable", user["email"], "--json")
    assert code == 0, err
    assert json.loads(out)["sessions_ended"] == 1
    assert {d["reason"] for d in deliveries(app)} == {"user_disabled"}
    assert web.get("/signed-in").status_code == 302


def test_deliveries_and_redeliver(app, run, signed_in, receivers, monkeypatch):
    monkeypatch.setenv("IDP_BACKCHANNEL_MAX_ATTEMPTS", "1")  # the CLI builds its own app
    asset = receivers["asset"]
    asset.status = 503  # bound all along: it answers, and says it is unavailable
    code, _, err = run("sessions", "revoke", signed_in)
    assert code == 0, err
    code, out, err = run("worker", "--once")
    assert code == 0 and "processed 3" in out, err
    code, out, err = run("sessions", "deliveries", "--failed", "--json")
    assert code == 0, err
    (dead,) = json.loads(out)
    assert dead["status"] == "dead" and dead["last_error"] == "HTTP 503"
    assert dead["last_status_code"] == 503 and dead["attempt_log"][0]["error"] == "HTTP 503"
    assert "logout_token" not in out and "eyJ" not in out
    code, out, err = run("sessions", "deliveries")
    assert code == 0 and "delivered" in out and "dead" in out, err
    asset.status = 200
    code, out, err = run("sessions", "redeliver", str(dead["id"]))
    assert code == 0, err
    code, out, err = run("worker", "--once")
    assert code == 0 and "processed 1" in out, err
    assert [r["status"] for r in asset.received] == [503, 200]
    code, out, err = run("sessions", "deliveries", "--failed", "--json")
    assert code == 0 and json.loads(out) == [], err


def test_redeliver_unknown_id_fails(run, clean):
    code, _, err = run("sessions", "redeliver", "424242")
    assert code == 1 and "no delivery" in err
    code, _, _ = run("sessions", "redeliver", "abc")
    assert code != 0


def test_worker_once_with_nothing_due(run, clean):
    clock.advance(1)
    code, out, _ = run("worker", "--once")
    assert code == 0 and "processed 0" in out
