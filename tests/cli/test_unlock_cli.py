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


def test_unlock_can_lift_an_ip_lock(app, run_json, clean):
    from idp.accounts import lockout

    with app.app_context():
        lockout.register_failure(*[lockout.ip("198.51.100.4")] * 50)
        assert lockout.locked_for(lockout.ip("198.51.100.4")) > 0
    out = run_json("users", "unlock", "a@example.com", "--ip", "198.51.100.4")
    assert out["ip_was_locked"] is True
    with app.app_context():
        assert lockout.locked_for(lockout.ip("198.51.100.4")) == 0


def test_unlock_rejects_a_bad_ip(run):
    code, _, err = run("users", "unlock", "a@example.com", "--ip", "999.1.1.1")
    assert code != 0 and err.startswith("idp: not an IP address")
