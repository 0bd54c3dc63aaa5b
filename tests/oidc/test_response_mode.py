"""response_mode=form_post (OAuth 2.0 Form Post Response Mode) and query."""

import re

import pytest

from tests.oidc.conftest import ISSUER

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)


def test_form_post_renders_a_form_to_the_redirect_uri(flow):
    flow.login()
    resp = flow.authorize(response_mode="form_post")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert f'action="{flow.client["redirect_uri"]}"' in html
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))
    assert fields["state"] == "st-1" and fields["iss"] == ISSUER and fields["code"]


def test_form_post_page_has_no_inline_script(flow):
    flow.login()
    resp = flow.authorize(response_mode="form_post")
    html = resp.get_data(as_text=True)
    assert re.search(r"<script>", html) is None and "onload" not in html
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"


def test_form_post_errors_use_the_form_too(flow):
    resp = flow.authorize(response_mode="form_post", prompt="none")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'value="login_required"' in html


def test_form_post_auto_submit_script_is_served(web, clean):
    assert web.get("/static/web/form_post.js").status_code == 200
