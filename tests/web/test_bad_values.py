"""A value Postgres refuses (a NUL byte in text) is bad input: 400, never a 500."""

from tests.helpers.web import login


def test_a_nul_byte_in_the_email_is_a_400_page(web):
    resp = login(web, "alice\x00@example.com", "whatever")
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert "cannot be accepted" in resp.get_data(as_text=True)


def test_a_nul_byte_in_a_protocol_parameter_is_a_400_json(web, make_client):
    client = make_client()
    resp = web.post("/oauth2/token", data={"grant_type": "client_credentials",
                                           "client_id": client["client_id"] + "\x00"})
    assert resp.status_code < 500 and resp.get_json()["error"]
