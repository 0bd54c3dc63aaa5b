import pytest

from .factories import SERVER_KEY


@pytest.fixture(autouse=True)
def server_key(app, monkeypatch):
    """Billing tests run with a Midtrans server key configured."""
    monkeypatch.setitem(app.config["IDP"], "midtrans_server_key", SERVER_KEY)
    return SERVER_KEY


@pytest.fixture
def notify(web):
    """POST a Midtrans notification body; return the response."""

    def post(body: bytes, client=None):
        return (client or web).post("/billing/notifications/midtrans", data=body,
                                    content_type="application/json")

    return post
