"""Single sign-on and the prompt, max_age and id_token_hint parameters (OIDC Core §3.1.2.1)."""

import pytest

from idp import clock
from tests.helpers.web import login
from tests.oidc.conftest import ISSUER, Flow, decode, query

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def _error(resp, error):
    params = query(resp.headers["Location"])
    assert params["error"] == error and params["iss"] == ISSUER and params["state"] == "st-1"


def test_second_client_gets_a_code_without_login(flow, web, user, make_client):
    flow.tokens()
    other = Flow(web, make_client(first_party=True, redirect_uri="https://b.example/cb"), user)
    resp = other.authorize()
    assert resp.headers["Location"].startswith("https://b.example/cb?code=")


def test_session_records_the_clients(flow, app):
    from idp.sessions import store as sso

    flow.tokens()
    with app.app_context():
        (live,) = sso.list_for_user(flow.user["id"])
        assert flow.client["client_id"] in live.clients


def test_prompt_none_without_session_is_login_required(flow):
    _error(flow.authorize(prompt="none"), "login_required")


def test_prompt_none_with_session_issues_a_code(flow):
    flow.login()
    assert "code" in query(flow.authorize(prompt="none").headers["Location"])


def test_prompt_none_third_party_without_consent_is_consent_required(third_flow):
    third_flow.login()
    _error(third_flow.authorize(prompt="none"), "consent_required")


def test_prompt_login_forces_a_new_login_with_a_new_auth_time(flow, web):
    first = decode(web, flow.tokens()["id_token"])
    clock.advance(30)
    resp = flow.authorize(prompt="login")
    assert resp.headers["Location"].startswith("/login")
    tokens = flow.tokens(prompt="login")
    assert decode(web, tokens["id_token"])["auth_time"] >= first["auth_time"] + 30


def test_max_age_exceeded_forces_login(flow):
    flow.login()
    clock.advance(120)
    assert flow.authorize(max_age="60").headers["Location"].startswith("/login")


def test_max_age_within_does_not(flow):
    flow.login()
    assert "code" in query(flow.authorize(max_age="3600").headers["Location"])


def test_max_age_exceeded_with_prompt_none_is_login_required(flow):
    flow.login()
    clock.advance(120)
    _error(flow.authorize(max_age="60", prompt="none"), "login_required")


def test_id_token_hint_of_this_person_is_accepted(flow):
    tokens = flow.tokens()
    resp = flow.authorize(prompt="none", id_token_hint=tokens["id_token"])
    assert "code" in query(resp.headers["Location"])


def test_expired_id_token_hint_is_still_accepted(flow):
    tokens = flow.tokens()
    clock.advance(3700)
    flow.login()
    resp = flow.authorize(prompt="none", id_token_hint=tokens["id_token"])
    assert "code" in query(resp.headers["Location"])


def test_id_token_hint_of_another_person_is_login_required(flow, web, make_client, app):
    from idp.accounts.users import create_user

    with app.app_context():
        create_user("bob@example.com", "bob password 1", "Bob", "B", email_verified=True)
    bob = Flow(web, flow.client, {"email": "bob@example.com", "password": "bob password 1"})
    hint = bob.tokens()["id_token"]
    flow.login()
    _error(flow.authorize(prompt="none", id_token_hint=hint), "login_required")


def test_forged_id_token_hint_is_login_required(flow):
    flow.login()
    _error(flow.authorize(prompt="none", id_token_hint="a.b.c"), "login_required")


def test_login_hint_prefills_the_login_page(flow, web):
    resp = flow.authorize(login_hint="carol@example.com")
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'value="carol@example.com"' in page and "Test RP" in page


def test_expired_interaction_shows_a_page(flow, web):
    resp = web.get("/oauth2/authorize/resume?interaction=nope")
    assert resp.status_code == 400 and resp.mimetype == "text/html"


def test_signed_out_browser_must_log_in_again(flow, web):
    from tests.helpers.web import csrf_token

    flow.tokens()
    page = web.get("/signed-in").get_data(as_text=True)
    web.post("/logout", data={"csrf_token": csrf_token(page)})
    assert flow.authorize().headers["Location"].startswith("/login")


def test_disabled_user_loses_sso(flow, app):
    from idp.extensions import db
    from idp.storage.models import User

    flow.login()
    with app.app_context():
        db.session.get(User, flow.user["id"]).disabled = True
        db.session.commit()
    _error(flow.authorize(prompt="none"), "login_required")


def test_login_without_interaction_goes_to_signed_in(flow, web):
    resp = login(web, flow.user["email"], flow.user["password"])
    assert resp.headers["Location"].endswith("/signed-in")
