"""Pages for people: error pages, headers, every template renders."""

import pytest
from flask import render_template

from idp import resources

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)

TEMPLATES = resources.path("templates")


def test_unknown_page_is_a_readable_404(web):
    resp = web.get("/no-such-page")
    assert resp.status_code == 404
    assert "Not found" in resp.get_data(as_text=True)


def test_html_has_security_headers(web):
    resp = web.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("name", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_every_template_renders(app, clean, name):
    with app.test_request_context("/"):
        html = render_template(name, form=_AnyForm(), user=_Anything(), title="t", message="m",
                               remaining=0)
        assert "<html" in html or "{%" not in html


class _Anything:
    """Stands in for any object a template reads attributes from."""

    def __getattr__(self, name):
        return _Anything()

    def __call__(self, *args, **kwargs):
        return ""

    def __iter__(self):
        return iter(())

    def __str__(self):
        return "x"

    def __bool__(self):
        return True


class _AnyForm(_Anything):
    def __getattr__(self, name):
        field = _Anything()
        return field
