"""TOTP pages: enrolment, the code step of login, amr, required enrolment."""

from tests.helpers.totp import code_for, enrol, submit_code
from tests.helpers.web import csrf_token, login


def sso_sessions(app, user_id):
    from idp.sessions import store as sso

    with app.app_context():
        return sso.list_for_user(user_id)


def with_totp(app, web, user):
    """Sign in, enrol, sign out (a fresh browser is returned)."""
    login(web, user["email"], user["password"])
    secret, codes = enrol(web)
    return app.test_client(), secret, codes


def test_enrolment_page_shows_a_qr_code_and_the_key(web, user):
    login(web, user["email"], user["password"])
    page = web.get("/account/totp").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    assert '<code class="secret">' in page and "csrf_token" in page


def test_enrolment_needs_a_signed_in_person(web, clean):
    resp = web.get("/account/totp")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_wrong_enrolment_code_is_refused(app, web, user):
    from idp.accounts import totp

    login(web, user["email"], user["password"])
    page = web.get("/account/totp").get_data(as_text=True)
    resp = web.post("/account/totp", data={"code": "000000", "csrf_token": csrf_token(page)})
    assert resp.status_code == 400
    with app.app_context():
        assert not totp.has_totp(user["id"])


def test_enrolment_without_csrf_is_refused(app, web, user):
    from idp.accounts import totp
    from tests.helpers.totp import SECRET_RE

    login(web, user["email"], user["password"])
    secret = SECRET_RE.search(web.get("/account/totp").get_data(as_text=True)).group(1)
    assert web.post("/account/totp", data={"code": code_for(secret)}).status_code == 400
    with app.app_context():
        assert not totp.has_totp(user["id"])


def test_recovery_codes_are_shown_once(app, web, user):
    _, _, codes = with_totp(app, web, user)
    assert len(codes) == 10
    again = web.get("/account/totp").get_data(as_text=True)
    assert "10 unused recovery code" in again
    assert not any(code in again for code in codes)


def test_login_with_totp_takes_two_steps_and_amr_has_otp(app, web, user):
    browser, secret, _ = with_totp(app, web, user)
    resp = login(browser, user["email"], user["password"])
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/totp")
    assert browser.get("/signed-in").status_code == 302  # not signed in yet
    before = {s.sid for s in sso_sessions(app, user["id"])}
    resp = submit_code(browser, code_for(secret, 1))
    assert resp.status_code == 302
    assert browser.get("/signed-in").status_code == 200
    new = [s for s in sso_sessions(app, user["id"]) if s.sid not in before]
    assert len(new) == 1 and new[0].amr == ["pwd", "otp"]


def test_a_reused_code_is_refused(app, web, user):
    browser, secret, _ = with_totp(app, web, user)
    code = code_for(secret, 1)
    login(browser, user["email"], user["password"])
    assert submit_code(browser, code).status_code == 302
    third = app.test_client()
    login(third, user["email"], user["password"])
    assert submit_code(third, code).status_code == 401
    assert third.get("/signed-in").status_code == 302


def test_a_recovery_code_signs_in_once(app, web, user):
    browser, _, codes = with_totp(app, web, user)
    login(browser, user["email"], user["password"])
    assert submit_code(browser, codes[0]).status_code == 302
    other = app.test_client()
    login(other, user["email"], user["password"])
    assert submit_code(other, codes[0]).status_code == 401


def test_code_step_without_csrf_is_refused(app, web, user):
    browser, secret, _ = with_totp(app, web, user)
    login(browser, user["email"], user["password"])
    assert browser.post("/login/totp", data={"code": code_for(secret, 1)}).status_code == 400
    assert browser.get("/signed-in").status_code == 302


def test_code_step_without_a_pending_login_is_refused(web, clean):
    resp = web.get("/login/totp")
    assert resp.status_code == 400 and "sign in again" in resp.get_data(as_text=True).lower()


def test_wrong_codes_end_the_pending_login(app, web, user):
    browser, _, _ = with_totp(app, web, user)
    login(browser, user["email"], user["password"])
    statuses = [submit_code(browser, "000000").status_code for _ in range(4)]
    assert statuses == [401] * 4
    last = browser.post("/login/totp", data={"code": "000000", "csrf_token": _token(browser)})
    assert last.status_code == 400  # the fifth wrong code discards the parked login
    assert browser.get("/login/totp").status_code == 400
    assert browser.get("/signed-in").status_code == 302
    # Wrong codes count as login failures too: the account is now locked for a while.
    assert login(browser, user["email"], user["password"]).status_code == 429


def _token(browser):
    return csrf_token(browser.get("/login/totp").get_data(as_text=True))


def test_the_pending_login_expires(app, web, user):
    browser, secret, _ = with_totp(app, web, user)
    login(browser, user["email"], user["password"])
    page = browser.get("/login/totp").get_data(as_text=True)
    from idp.storage.store import get_store

    with app.app_context():  # the store TTL is real time: drop the parked login as it would
        for key in list(get_store().client.scan_iter(match=get_store().prefix + "mfa:*")):
            get_store().client.delete(key)
    resp = browser.post("/login/totp", data={"code": code_for(secret, 1),
                                              "csrf_token": csrf_token(page)})
    assert resp.status_code == 400
    assert browser.get("/signed-in").status_code == 302


def _member_of_requiring_org(app, user):
    from idp.extensions import db
    from idp.orgs.organizations import require_totp
    from idp.storage.models import Membership, Organization

    with app.app_context():
        org = Organization(name="Strict Co")
        db.session.add(org)
        db.session.flush()
        db.session.add(Membership(organization_id=org.id, user_id=user["id"]))
        db.session.commit()
        require_totp(org.id, True)


def test_required_totp_sends_the_member_to_enrolment_first(app, web, user):
    _member_of_requiring_org(app, user)
    resp = login(web, user["email"], user["password"])
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/totp")
    assert web.get("/signed-in").status_code == 302
    page = web.get("/account/totp").get_data(as_text=True)
    assert "requires a second step" in page
    _, codes = enrol(web)
    assert len(codes) == 10
    assert web.get("/signed-in").status_code == 200
    assert sso_sessions(app, user["id"])[0].amr == ["pwd", "otp"]


def test_required_enrolment_state_does_not_open_other_pages(app, web, user):
    _member_of_requiring_org(app, user)
    login(web, user["email"], user["password"])
    assert web.get("/signed-in").status_code == 302
    assert web.get("/login/totp").status_code == 400  # an enrolment is not a code step


def test_totp_events_are_audited(app, web, user):
    from idp.audit import search

    browser, secret, _ = with_totp(app, web, user)
    login(browser, user["email"], user["password"])
    submit_code(browser, "000000")
    submit_code(browser, code_for(secret, 1))
    with app.app_context():
        types = [e.type for e in search(user_id=user["id"])]
    assert {"totp.enrolled", "totp.failed", "totp.used", "login.succeeded"} <= set(types)


def test_last_login_is_stamped_only_when_every_factor_is_given(app, web, user):
    from idp.accounts.users import find_by_email
    from idp.extensions import db

    browser, secret, _ = with_totp(app, web, user)

    def last_login():
        with app.app_context():
            stamp = find_by_email(user["email"]).last_login_at
            db.session.remove()
            return stamp

    first = last_login()
    login(browser, user["email"], user["password"])
    submit_code(browser, "000000")
    assert last_login() == first
    submit_code(browser, code_for(secret, 1))
    assert last_login() > first


def test_an_account_locked_from_another_browser_stops_the_code_step(app, web, user):
    """A lock set while a login waits for its second factor holds at that step too: the
    right code from the parked browser is refused (a code step that skipped the lock check
    passed the whole suite before this test)."""
    browser, secret, _ = with_totp(app, web, user)
    assert login(browser, user["email"], user["password"]).headers["Location"].endswith(
        "/login/totp")
    attacker = app.test_client()
    limit = app.config["IDP"].login_max_failures_per_account
    assert [login(attacker, user["email"], "wrong password").status_code
            for _ in range(limit)] == [401] * limit
    resp = submit_code(browser, code_for(secret, 1))
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    assert browser.get("/signed-in").status_code == 302
