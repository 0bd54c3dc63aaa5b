"""A value Postgres refuses (a NUL byte in text) is bad input: 400, never a 500."""

import pytest

from tests.helpers.web import login


@pytest.mark.embedded  # the same 400 on SQLite, which would store a NUL
def test_a_nul_byte_in_the_email_is_a_400_page(web):
    resp = login(web, "alice\x00@example.com", "whatever")
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert "cannot be accepted" in resp.get_data(as_text=True)


def test_a_nul_byte_in_a_protocol_parameter_is_a_400_json(web, make_client):
    client = make_client()
    resp = web.post("/oauth2/token", data={"grant_type": "client_credentials",
                                           "client_id": client["client_id"] + "\x00"})
    assert resp.status_code < 500 and resp.get_json()["error"]


NESTED = b"[" * 5000 + b"]" * 5000


def test_deeply_nested_json_posted_to_a_page_is_a_4xx(web, user):
    """Flask-WTF reads a JSON body as form data; Python's parser raises RecursionError on it."""
    login(web, user["email"], user["password"])
    for path in ("/oauth2/logout/confirm", "/login", "/consent", "/select-organization",
                 "/account/company", "/oauth2/token", "/oauth2/introspect"):
        resp = web.post(path, data=NESTED, content_type="application/json")
        assert 400 <= resp.status_code < 500, (path, resp.status_code)
