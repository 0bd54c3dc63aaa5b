"""One renderer of error pages (web/errors.py): the protocol and service code raise an
IdPError, the renderer shows it — a page for people, JSON for endpoints — never cached."""

from __future__ import annotations

import pathlib

import idp

PACKAGE = pathlib.Path(idp.__file__).parent


def test_no_view_renders_an_error_template_itself():
    renderers = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                       if '"errors/' in path.read_text() or "'errors/" in path.read_text())
    assert renderers == ["web/errors.py"]


def test_an_authorization_that_cannot_continue_is_a_page(web):
    resp = web.get("/oauth2/authorize/resume", query_string={"interaction": "gone"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert "This request cannot continue" in html and "expired" in html
    assert resp.headers["Cache-Control"] == "no-store" and "Location" not in resp.headers


def test_a_webhook_refusal_is_json(web):
    resp = web.post("/billing/notifications/nosuchgateway", data=b"{}",
                    content_type="application/json")
    assert resp.status_code == 404 and resp.get_json() == {
        "error": "not_found", "error_description": "unknown payment gateway"}
    assert resp.headers["Cache-Control"] == "no-store"


def test_a_service_error_raised_in_a_page_is_its_own_status_not_a_500(app, web, monkeypatch):
    from idp.orgs.errors import OrgError
    from idp.web import plans

    def refuse(*args, **kwargs):
        raise OrgError("no plan for you", detail="private: why")

    monkeypatch.setattr(plans, "find_plan", refuse)
    resp = web.get("/plans/suite/review")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "no plan for you" in html and "private" not in html
