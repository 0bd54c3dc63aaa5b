"""A pending authorization belongs to the browser and the person that started it (issue 11 item 1).

The stored interaction is bound to the browser that hit /authorize (a random value in
that browser's session, compared in constant time); every decision stored in it
(consent, denial, organisation choice, entitlement refusal) names the person who made
it and counts for that person only.
"""

import html
import re
import secrets

import pytest

from idp import clock
from tests.conftest import PASSWORD
from tests.helpers.totp import code_for, enrol, submit_code
from tests.helpers.web import csrf_token, login
from tests.oidc.conftest import Flow, org, query

ELSEWHERE = "another browser"


@pytest.fixture
def bob(app, clean):
    from idp.accounts.users import create_user

    with app.app_context():
        person = create_user(f"bob-{secrets.token_hex(3)}@example.com", PASSWORD, "Bob", "Jones",
                             email_verified=True)
        return {"id": person.id, "email": person.email, "password": PASSWORD}


def _interaction(resp) -> str:
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return query(resp.headers["Location"])["interaction"]


def _allow(web, interaction):
    page = web.get(f"/consent?interaction={interaction}")
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return web.post("/consent", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                      "interaction": interaction, "allow": "Allow"})


def _is_elsewhere_page(resp) -> None:
    """A readable page saying so, and no redirect anywhere (least of all to the client)."""
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.headers.get("Location"))
    assert resp.mimetype == "text/html" and "Location" not in resp.headers
    assert ELSEWHERE in resp.get_data(as_text=True)


def _codes_in(resp) -> bool:
    return "code" in query(resp.headers.get("Location", ""))


# --- the reported attack, and decisions made by someone else --------------------------------

def test_consent_given_in_one_browser_cannot_finish_a_login_in_another(app, third_flow, bob):
    """Person A consents, then sends the login link to B: B gets no code and no redirect."""
    third_flow.login()
    clock.advance(5)  # prompt=login wants a login newer than the request
    interaction = _interaction(third_flow.authorize(prompt="login", scope="openid profile "
                                                    "offline_access"))
    _allow(third_flow.web, interaction)  # A clicks Allow (then login is still required)
    other = app.test_client()
    page = other.get(f"/login?interaction={interaction}")
    _is_elsewhere_page(page)
    # Posting the login form with that id anyway: refused before any password is checked.
    token = csrf_token(other.get("/login").get_data(as_text=True))
    resp = other.post("/login", data={"email": bob["email"], "password": bob["password"],
                                      "csrf_token": token, "interaction": interaction})
    _is_elsewhere_page(resp)
    assert other.get("/signed-in").status_code == 302  # Bob was not signed in by it


def test_consent_by_someone_else_in_the_same_browser_counts_for_nothing(third_flow, bob):
    third_flow.login()
    clock.advance(5)  # prompt=login wants a login newer than the request
    interaction = _interaction(third_flow.authorize(prompt="login"))
    _allow(third_flow.web, interaction)  # A's consent, recorded for A
    resp = login(third_flow.web, bob["email"], bob["password"], interaction)
    resp = third_flow.web.get(resp.headers["Location"])  # resume, as B
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/consent?"), \
        resp.headers.get("Location")
    assert not _codes_in(resp)


def test_the_same_person_consenting_then_signing_in_again_gets_the_code(third_flow):
    third_flow.login()
    clock.advance(5)  # prompt=login wants a login newer than the request
    interaction = _interaction(third_flow.authorize(prompt="login"))
    _allow(third_flow.web, interaction)
    resp = login(third_flow.web, third_flow.user["email"], third_flow.user["password"],
                 interaction)
    resp = third_flow.web.get(resp.headers["Location"])
    assert resp.headers["Location"].startswith("https://third.example/cb?code=")


def test_an_organisation_chosen_by_someone_else_does_not_apply(app, apps, user, bob):
    for name in ("A1", "A2"):
        org(app, user["email"], "suite", name=f"{name}-{secrets.token_hex(2)}")
    for name in ("B1", "B2"):
        org(app, bob["email"], "suite", name=f"{name}-{secrets.token_hex(2)}")
    flow = apps["building"]
    flow.login()
    clock.advance(5)
    interaction = _interaction(flow.authorize(prompt="login"))
    page = flow.web.get(f"/select-organization?interaction={interaction}")
    assert page.status_code == 200
    chosen = re.search(r'name="organization"[^>]*value="(\d+)"', page.get_data(as_text=True))
    flow.web.post("/select-organization", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "interaction": interaction,
        "organization": chosen.group(1)})
    resp = login(flow.web, bob["email"], bob["password"], interaction)
    resp = flow.web.get(resp.headers["Location"])  # resume, as Bob: he picks his own
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert resp.headers["Location"].startswith("/select-organization?"), resp.headers["Location"]


# --- an interaction opened from another browser --------------------------------------------

def _started_elsewhere(app, third_flow, bob):
    """An interaction started by the flow's browser; a second browser signed in as Bob."""
    interaction = _interaction(third_flow.authorize())
    other = app.test_client()
    login(other, bob["email"], bob["password"])
    return interaction, other


@pytest.mark.parametrize("path", ["/oauth2/authorize/resume", "/consent", "/select-organization",
                                  "/login"])
def test_another_browser_gets_an_error_page(app, third_flow, bob, path):
    interaction, other = _started_elsewhere(app, third_flow, bob)
    _is_elsewhere_page(other.get(f"{path}?interaction={interaction}"))


def test_another_browser_cannot_post_consent(app, third_flow, bob):
    interaction, other = _started_elsewhere(app, third_flow, bob)
    page = other.get("/signed-in")
    resp = other.post("/consent", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                        "interaction": interaction, "allow": "Allow"})
    _is_elsewhere_page(resp)
    # The owner's own request is untouched: it still asks its owner.
    third_flow.login()
    assert third_flow.web.get(f"/consent?interaction={interaction}").status_code == 200


def test_another_browser_cannot_post_an_organisation(app, apps, user, bob):
    org(app, user["email"], "suite", name=f"A-{secrets.token_hex(2)}")
    org(app, user["email"], "suite", name=f"B-{secrets.token_hex(2)}")
    flow = apps["building"]
    flow.login()
    interaction = _interaction(flow.authorize())
    assert flow.web.get(f"/select-organization?interaction={interaction}").status_code == 200
    other = app.test_client()
    login(other, bob["email"], bob["password"])
    page = other.get("/signed-in")
    resp = other.post("/select-organization", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "interaction": interaction,
        "organization": "1"})
    _is_elsewhere_page(resp)


def test_the_refusal_return_link_from_another_browser_does_not_redirect(app, apps, user, bob):
    org(app, user["email"], "starter")
    apps["building"].login()
    page = apps["project"].authorize(state="s-7")
    link = html.unescape(re.search(r'href="(/oauth2/authorize/resume\?interaction=[^"]+)"',
                                   page.get_data(as_text=True)).group(1))
    other = app.test_client()
    login(other, bob["email"], bob["password"])
    _is_elsewhere_page(other.get(link))
    # In the browser that started it, the link still answers the client.
    resp = apps["project"].web.get(link)
    assert query(resp.headers["Location"])["error"] == "access_denied"


def test_a_refusal_for_one_person_is_not_applied_to_another(app, apps, user, bob):
    org(app, user["email"], "starter")
    org(app, bob["email"], "suite")
    apps["building"].login()
    clock.advance(5)
    page = apps["project"].authorize(prompt="login")
    interaction = _interaction(page)
    flow = apps["project"]
    # Alice signs in again and is refused (starter has no Project) ...
    resp = login(flow.web, user["email"], user["password"], interaction)
    refused = flow.web.get(resp.headers["Location"])
    assert refused.status_code == 403
    # ... then Bob signs in in the same browser and follows the same link: he is entitled.
    login(flow.web, bob["email"], bob["password"])
    resp = flow.web.get(f"/oauth2/authorize/resume?interaction={interaction}")
    assert resp.headers["Location"].startswith("https://project.example/cb?code="), \
        resp.headers.get("Location")


def test_consent_page_needs_a_signed_in_person(third_flow):
    interaction = _interaction(third_flow.authorize())
    resp = third_flow.web.get(f"/consent?interaction={interaction}")
    assert resp.status_code == 400 and "Location" not in resp.headers


def test_a_stored_interaction_without_binding_is_refused(app, third_flow, bob):
    """Anything stored without this browser's value (or tampered) is someone else's."""
    from idp.oidc import interaction as interactions

    interaction = _interaction(third_flow.authorize())
    with app.app_context():
        data = interactions.load_any(interaction)
        data.pop("browser")
        interactions.update(interaction, data)
    third_flow.login()
    _is_elsewhere_page(third_flow.web.get(f"/oauth2/authorize/resume?interaction={interaction}"))


# --- what must keep working -----------------------------------------------------------------

def test_two_tabs_of_one_browser_both_finish(third_flow):
    first = _interaction(third_flow.authorize(state="tab-1"))
    second = _interaction(third_flow.authorize(state="tab-2"))
    resp = login(third_flow.web, third_flow.user["email"], third_flow.user["password"], first)
    assert third_flow.web.get(resp.headers["Location"]).headers["Location"].startswith("/consent")
    done = _allow(third_flow.web, first)
    assert query(done.headers["Location"])["state"] == "tab-1" and _codes_in(done)
    resumed = third_flow.web.get(f"/oauth2/authorize/resume?interaction={second}")
    assert query(resumed.headers["Location"])["state"] == "tab-2" and _codes_in(resumed)


def test_login_with_a_second_factor_resumes_the_request(third_flow, app):
    third_flow.login()
    secret, _codes = enrol(third_flow.web)
    third_flow.web.post("/logout", data={"csrf_token": csrf_token(
        third_flow.web.get("/signed-in").get_data(as_text=True))})
    interaction = _interaction(third_flow.authorize())
    resp = login(third_flow.web, third_flow.user["email"], third_flow.user["password"],
                 interaction)
    assert resp.headers["Location"].endswith("/login/totp")
    clock.advance(30)
    resp = submit_code(third_flow.web, code_for(secret))
    assert "/oauth2/authorize/resume?interaction=" in resp.headers["Location"]
    resp = third_flow.web.get(resp.headers["Location"])
    assert resp.headers["Location"].startswith("/consent?")
    assert _codes_in(_allow(third_flow.web, interaction))


def test_consent_denial_still_answers_the_client(third_flow):
    third_flow.login()
    interaction = _interaction(third_flow.authorize())
    page = third_flow.web.get(f"/consent?interaction={interaction}")
    resp = third_flow.web.post("/consent", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "interaction": interaction,
        "deny": "Deny"})
    assert query(resp.headers["Location"])["error"] == "access_denied"


def test_sso_max_age_and_prompt_none_are_unchanged(flow, make_client, web, user):
    flow.login()
    assert _codes_in(flow.authorize(prompt="none"))
    assert _codes_in(flow.authorize(max_age="3600"))
    other = Flow(web, make_client(first_party=True, redirect_uri="https://b.example/cb"), user)
    assert _codes_in(other.authorize())
