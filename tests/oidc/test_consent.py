"""Consent for third-party clients, remembered per person, client and scopes."""

import pytest

from tests.helpers.web import csrf_token
from tests.oidc.conftest import ISSUER, query

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def _consent_page(f, **extra):
    f.login()
    resp = f.authorize(**extra)
    assert resp.headers["Location"].startswith("/consent?interaction=")
    page = f.web.get(resp.headers["Location"])
    return page, query(resp.headers["Location"])["interaction"]


def _answer(f, page, interaction, button, token=None):
    token = token or csrf_token(page.get_data(as_text=True))
    return f.web.post("/consent", data={"csrf_token": token, "interaction": interaction,
                                               button: button.title()})


def test_third_party_is_asked(third_flow):
    page, _ = _consent_page(third_flow)
    assert page.status_code == 200 and "Test RP" in page.get_data(as_text=True)


def test_allow_issues_a_code(third_flow):
    page, interaction = _consent_page(third_flow)
    resp = _answer(third_flow, page, interaction, "allow")
    assert "code" in query(resp.headers["Location"])


def test_deny_is_access_denied_to_the_client(third_flow):
    page, interaction = _consent_page(third_flow)
    resp = _answer(third_flow, page, interaction, "deny")
    params = query(resp.headers["Location"])
    assert resp.headers["Location"].startswith(third_flow.client["redirect_uri"])
    assert params["error"] == "access_denied" and params["state"] == "st-1"
    assert params["iss"] == ISSUER


def test_consent_is_remembered(third_flow):
    page, interaction = _consent_page(third_flow)
    _answer(third_flow, page, interaction, "allow")
    assert "code" in query(third_flow.authorize().headers["Location"])


def test_more_scopes_ask_again(third_flow):
    page, interaction = _consent_page(third_flow, scope="openid")
    _answer(third_flow, page, interaction, "allow")
    resp = third_flow.authorize(scope="openid email")
    assert resp.headers["Location"].startswith("/consent")


def test_prompt_consent_asks_even_when_remembered(third_flow):
    page, interaction = _consent_page(third_flow)
    _answer(third_flow, page, interaction, "allow")
    assert third_flow.authorize(prompt="consent").headers["Location"].startswith("/consent")


def test_consent_needs_csrf(third_flow):
    page, interaction = _consent_page(third_flow)
    resp = _answer(third_flow, page, interaction, "allow", token="forged")
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert "code" not in resp.headers.get("Location", "")


def test_first_party_skips_consent(flow):
    flow.login()
    assert "code" in query(flow.authorize().headers["Location"])


def test_consent_page_without_session_or_interaction_is_a_page(web, clean):
    resp = web.get("/consent?interaction=nope")
    assert resp.status_code == 400 and resp.mimetype == "text/html"


def test_prompt_none_after_consent_issues_a_code(third_flow):
    page, interaction = _consent_page(third_flow)
    _answer(third_flow, page, interaction, "allow")
    assert "code" in query(third_flow.authorize(prompt="none").headers["Location"])
