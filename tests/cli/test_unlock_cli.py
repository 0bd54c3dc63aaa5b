"""idp users unlock / remove-totp."""

from tests.helpers.web import login


def fail_times(web, email, n):
    return [login(web, email, "wrong password").status_code for _ in range(n)]


def test_cli_unlock_lifts_the_lock(web, user, run):
    fail_times(web, user["email"], 5)
    code, out, _ = run("users", "unlock", user["email"])
    assert code == 0 and "unlocked" in out
    assert login(web, user["email"], user["password"]).status_code == 302


def test_cli_unlock_rejects_a_non_email(run):
    code, _, err = run("users", "unlock", "not an email")
    assert code != 0 and err.startswith("idp: ")




def test_remove_totp(app, web, user, run):
    from idp.accounts import totp
    from tests.helpers.totp import enrol

    login(web, user["email"], user["password"])
    enrol(web)
    code, out, _ = run("users", "remove-totp", user["email"])
    assert code == 0 and "removed" in out
    with app.app_context():
        assert not totp.has_totp(user["id"])
    code, _, err = run("users", "remove-totp", user["email"])
    assert code != 0 and "has no second factor" in err
