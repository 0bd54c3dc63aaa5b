"""idp users."""


def test_create_reads_password_from_stdin(run, run_json):
    out = run_json("users", "create", "--email", "Bob@Example.com", "--name", "Bob Stone",
                   "--password-stdin", input="a long password\n")
    assert out["email"] == "Bob@Example.com" and out["given_name"] == "Bob"
    listed = run_json("users", "list")
    assert [u["email"] for u in listed] == ["Bob@Example.com"]


def test_password_is_not_an_argv_option(run):
    code, _, err = run("users", "create", "--email", "c@example.com", "--password", "x")
    assert code != 0 and "No such option" in err


def test_duplicate_email_is_one_line_and_nonzero(run, run_json):
    run_json("users", "create", "--email", "dup@example.com", "--password-stdin",
             input="a long password\n")
    code, _, err = run("users", "create", "--email", "DUP@example.com", "--password-stdin",
                         input="a long password\n")
    assert code == 1
    assert err.strip().count("\n") == 0 and "already exists" in err


def test_empty_stdin_password_changes_nothing(run, run_json):
    code, _, err = run("users", "create", "--email", "e@example.com", "--password-stdin", input="")
    assert code == 1 and "no password" in err
    assert run_json("users", "list") == []


def test_disable_unknown_user(run):
    code, _, err = run("users", "disable", "ghost@example.com")
    assert code == 1 and err.startswith("idp: no user")


def test_set_password_then_login(app, run, run_json):
    run_json("users", "create", "--email", "f@example.com", "--password-stdin", input="first password\n")
    code, _, _ = run("users", "set-password", "f@example.com", "--password-stdin", input="second password\n")
    assert code == 0
    from idp.accounts.authenticate import authenticate

    with app.app_context():
        assert authenticate("f@example.com", "second password") is not None
        assert authenticate("f@example.com", "first password") is None
