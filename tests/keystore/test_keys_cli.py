"""idp keys: list, generate, rotate, retire, revoke, purge, export, rewrap."""

import json
import re

import pytest
from click.testing import CliRunner

from idp import clock
from idp.cli import cli
from idp.keystore.kek import generate_kek
from idp.keystore.keys import PRIVATE_MEMBERS

from .conftest import wait_out_max_age


def _one_line_error(code, out, err):
    assert code == 1 and err.startswith("idp: ") and err.count("\n") == 1, (code, out, err)


def _states(run_json):
    return {k["kid"]: k["state"] for k in run_json("keys", "list")}


def test_list_json_shape_and_table_with_age(run, run_json):
    clock.advance(3 * 86400 + 3600)
    rows = run_json("keys", "list")
    assert len(rows) == 1
    assert {"kid", "alg", "state", "created_at", "age_seconds"} <= set(rows[0])
    assert rows[0]["alg"] == "RS256" and rows[0]["state"] == "active"
    code, out, _ = run("keys", "list")
    assert code == 0 and "AGE" in out and re.search(r"\b3d 1h\b", out) and rows[0]["kid"] in out


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256", "EdDSA"])
def test_generate_each_alg_as_next(run_json, alg):
    out = run_json("keys", "generate", "--alg", alg)
    assert out["alg"] == alg and out["state"] == "next" and out["signs_from"]
    assert _states(run_json)[out["kid"]] == "next"


@pytest.mark.parametrize("args", [
    ("keys", "generate", "--alg", "HS256"),
    ("keys", "generate", "--alg", "none"),
    ("keys", "rotate", "--alg", "RS512"),
    ("keys", "rotate", "--if-older-than", "thirty"),
    ("keys", "rotate", "--if-older-than", "-1d"),
    ("keys", "retire", "no-such-kid"),
    ("keys", "revoke", "no-such-kid"),
    ("keys", "revoke", "x" * 300),
    ("keys", "export"),
])
def test_bad_input_is_one_line_and_changes_nothing(run, run_json, args):
    before = _states(run_json)
    _one_line_error(*run(*args))
    assert _states(run_json) == before


def test_rotate_refuses_saying_when_then_rotates_then_if_older_than_skips(app, run, run_json):
    old = next(iter(_states(run_json)))
    code, out, err = run("keys", "rotate")
    _one_line_error(code, out, err)
    assert "may sign from" in err and "--force" in err
    wait_out_max_age(app)
    outcome = run_json("keys", "rotate")
    assert outcome["action"] == "rotated" and outcome["retired"] == old
    skipped = run_json("keys", "rotate", "--if-older-than", "30d")
    assert skipped["action"] == "skipped"
    states = _states(run_json)
    assert sorted(states.values()) == ["active", "next", "retired"]
    code, out, _ = run("keys", "rotate", "--if-older-than", "30d")
    assert code == 0 and "nothing to do" in out


def test_rotate_force_and_alg(run_json):
    outcome = run_json("keys", "rotate", "--force", "--alg", "ES256")
    assert outcome["action"] == "rotated" and outcome["alg"] == "ES256"
    assert _states(run_json)[outcome["activated"]] == "active"


def test_retire_revoke_purge(app, run, run_json):
    generated = run_json("keys", "generate", "--alg", "ES256")["kid"]
    assert run_json("keys", "retire", generated)["state"] == "retired"
    active = next(k for k, s in _states(run_json).items() if s == "active")
    _one_line_error(*run("keys", "retire", active))
    revoked = run_json("keys", "revoke", active)
    assert revoked["state"] == "revoked" and revoked["activated"]
    _one_line_error(*run("keys", "revoke", active))
    assert run_json("keys", "purge") == {"removed": []}
    from idp.keystore.rotation import purge_horizon

    with app.app_context():
        clock.advance(purge_horizon() + 1)
    assert run_json("keys", "purge") == {"removed": [generated]}
    assert generated not in _states(run_json)


def test_export_public_prints_the_jwks_without_private_members(run, run_json):
    for alg in ("PS256", "ES256", "EdDSA"):
        run_json("keys", "generate", "--alg", alg)
    code, out, err = run("keys", "export", "--public")
    assert code == 0
    keys = json.loads(out)["keys"]
    assert len(keys) == 4 and all(not PRIVATE_MEMBERS & set(k) for k in keys)
    assert "PRIVATE" not in out + err


def test_no_cli_output_shows_private_material(run, run_json):
    outputs = []
    for args in (("keys", "generate", "--alg", "ES256"), ("keys", "rotate", "--force"),
                 ("keys", "list"), ("keys", "export", "--public"), ("keys", "rewrap")):
        outputs.append(run(*args))
        outputs.append(run(*args, "--json"))
    text = "".join(o + e for _, o, e in outputs)
    assert "PRIVATE KEY" not in text and '"d":' not in text and '"p":' not in text


def test_rewrap_from_a_file_then_the_old_kek_fails_and_the_new_one_works(
        tmp_path, run, run_json, monkeypatch):
    new = generate_kek()
    path = tmp_path / "new.kek"
    path.write_text(new + "\n")
    out = run_json("keys", "rewrap", "--new-key-file", str(path))
    assert len(out["rewrapped"]) == 1
    _one_line_error(*run("keys", "export", "--public"))  # the old KEK no longer opens keys
    monkeypatch.setenv("IDP_KEY_ENCRYPTION_KEY", new)
    code, out, _ = run("keys", "export", "--public")
    assert code == 0 and json.loads(out)["keys"]


def test_rewrap_from_stdin_and_env(run, run_json, monkeypatch):
    new = generate_kek()
    assert run_json("keys", "rewrap", "--new-key-stdin", input=new + "\n")["rewrapped"]
    monkeypatch.setenv("IDP_KEY_ENCRYPTION_KEY", new)
    piped = generate_kek()
    assert run_json("keys", "rewrap", input=piped + "\n")["rewrapped"]  # `echo K | idp keys rewrap`
    new = piped
    monkeypatch.setenv("IDP_KEY_ENCRYPTION_KEY", new)
    newer = generate_kek()
    monkeypatch.setenv("IDP_NEW_KEY_ENCRYPTION_KEY", newer)
    assert run_json("keys", "rewrap")["rewrapped"]
    monkeypatch.delenv("IDP_NEW_KEY_ENCRYPTION_KEY")
    monkeypatch.setenv("IDP_KEY_ENCRYPTION_KEY", newer)
    assert run("keys", "export", "--public")[0] == 0


@pytest.mark.parametrize("value", ["short", "not base64 !!"])
def test_rewrap_refuses_a_malformed_new_kek(run, run_json, value, monkeypatch):
    monkeypatch.setenv("IDP_NEW_KEY_ENCRYPTION_KEY", value)
    _one_line_error(*run("keys", "rewrap"))
    assert run("keys", "export", "--public")[0] == 0  # still under the current KEK


def test_a_wrong_kek_is_one_clear_line(run, monkeypatch):
    monkeypatch.setenv("IDP_KEY_ENCRYPTION_KEY", generate_kek())
    code, out, err = run("keys", "export", "--public")
    _one_line_error(code, out, err)
    assert "wrong key-encryption key" in err


def test_help_lists_every_subcommand():
    out = CliRunner().invoke(cli, ["keys", "--help"]).output
    for name in ("list", "generate", "rotate", "retire", "revoke", "purge", "export", "rewrap"):
        assert name in out


def test_rewrap_moves_totp_secrets_too_and_second_factor_works_after_the_swap(
        tmp_path, app, run_json, user, monkeypatch):
    from tests.conftest import make_app
    from tests.helpers.totp import code_for, enrol, submit_code
    from tests.helpers.web import login

    browser = app.test_client()
    login(browser, user["email"], user["password"])
    secret, _ = enrol(browser)
    new = generate_kek()
    path = tmp_path / "new.kek"
    path.write_text(new)
    out = run_json("keys", "rewrap", "--new-key-file", str(path))
    assert out["totp_secrets"] == 1 and len(out["rewrapped"]) == 1
    monkeypatch.setenv("IDP_KEY_ENCRYPTION_KEY", new)
    swapped = make_app()
    try:
        web = swapped.test_client()
        login(web, user["email"], user["password"])
        clock.advance(30)  # a later step than the enrolment code
        resp = submit_code(web, code_for(secret))
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        assert web.get("/signed-in").status_code == 200
    finally:
        from tests.conftest import dispose

        dispose(swapped)


def test_a_totp_secret_that_does_not_open_leaves_every_key_as_it_was(
        app, run, run_json, user):
    from idp.accounts import totp
    from idp.storage.models import SigningKey, TotpCredential
    from tests.helpers.totp import enrol
    from tests.helpers.web import login

    browser = app.test_client()
    login(browser, user["email"], user["password"])
    enrol(browser)
    with app.app_context():
        from idp.crypto import envelope
        from idp.extensions import db

        row = db.session.get(TotpCredential, user["id"])
        row.secret_sealed = envelope.seal(generate_kek_bytes(), b"x", totp._aad(user["id"]))
        db.session.commit()
        before = [k.private_key_encrypted for k in db.session.query(SigningKey).all()]
    _one_line_error(*run("keys", "rewrap", "--new-key-stdin", input=generate_kek() + "\n"))
    with app.app_context():
        from idp.extensions import db

        assert [k.private_key_encrypted for k in db.session.query(SigningKey).all()] == before


def generate_kek_bytes() -> bytes:
    import os

    return os.urandom(32)


def test_a_kid_starting_with_a_dash_is_a_kid_not_an_option(run):
    # RFC 7638 thumbprints are base64url: one kid in 64 starts with "-".
    for command in ("retire", "revoke"):
        code, out, err = run("keys", command, "-oNoSuchKid")
        _one_line_error(code, out, err)
        assert "-oNoSuchKid" in err
