"""idp clients."""

import pytest


def test_create_prints_secret_once_and_stores_a_hash(app, run_json):
    out = run_json("clients", "create", "--name", "Building", "--redirect-uri",
                   "https://building.tomps.example/callback", "--first-party", "--product", "building")
    assert set(out) == {"client_id", "client_secret"}
    shown = run_json("clients", "show", out["client_id"])
    assert "client_secret" not in shown and shown["product"] == "building"
    from idp.clients.registry import get_client

    with app.app_context():
        stored = get_client(out["client_id"])
        assert out["client_secret"] not in (stored.secret_hash or "")
        assert stored.check_client_secret(out["client_secret"])
        assert not stored.check_client_secret("wrong")


def test_public_client_has_no_secret(run_json):
    out = run_json("clients", "create", "--name", "SPA", "--public", "--redirect-uri",
                   "http://127.0.0.1:8080/cb")
    assert "client_secret" not in out


@pytest.mark.parametrize("uri", [
    "http://evil.example/cb", "https://rp.example/cb#frag", "/relative", "ftp://rp.example/",
    "https://user:pw@rp.example/cb", "javascript:alert(1)", "https://rp.example/c b",
])
def test_bad_redirect_uri_is_refused_and_nothing_is_created(run, run_json, uri):
    code, _, err = run("clients", "create", "--name", "X", "--redirect-uri", uri)
    assert code == 1 and err.startswith("idp: ") and err.count("\n") == 1
    assert run_json("clients", "list") == []


@pytest.mark.parametrize("uri", ["http://localhost:3000/cb", "http://app.localhost/cb",
                                 "http://[::1]:8080/cb", "http://127.0.0.1/cb"])
def test_loopback_http_is_accepted(run_json, uri):
    assert run_json("clients", "create", "--name", "Dev", "--redirect-uri", uri)["client_id"]


def test_rotate_secret_invalidates_the_old_one(app, run_json):
    out = run_json("clients", "create", "--name", "A", "--redirect-uri", "https://a.example/cb")
    new = run_json("clients", "rotate-secret", out["client_id"])
    from idp.clients.registry import get_client

    with app.app_context():
        client = get_client(out["client_id"])
        assert client.check_client_secret(new["client_secret"])
        assert not client.check_client_secret(out["client_secret"])


def test_update_and_delete(run, run_json):
    out = run_json("clients", "create", "--name", "A", "--redirect-uri", "https://a.example/cb")
    updated = run_json("clients", "update", out["client_id"], "--redirect-uri", "https://a.example/new")
    assert updated["redirect_uris"] == ["https://a.example/new"]
    code, _, err = run("clients", "update", out["client_id"], "--redirect-uri", "http://a.example/x")
    assert code == 1
    assert run_json("clients", "show", out["client_id"])["redirect_uris"] == ["https://a.example/new"]
    assert run("clients", "delete", out["client_id"], "--yes")[0] == 0
    code, _, err = run("clients", "show", out["client_id"])
    assert code == 1 and "no client" in err


def test_unreachable_database_is_one_line(run, monkeypatch):
    monkeypatch.setenv("IDP_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    code, _, err = run("clients", "list")
    assert code == 1 and err.startswith("idp: database error") and err.count("\n") == 1


def test_help_lists_command_groups(run):
    _, out, _ = run("--help")
    for group in ("serve", "db", "users", "clients"):
        assert group in out


def test_generated_client_ids_never_read_as_options(ctx):
    from idp.clients.registry import new_client_id

    ids = {new_client_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(i.isalnum() and len(i) == 24 for i in ids)
