import json

import pytest

from tests.factories import SERVER_KEY


@pytest.fixture(autouse=True)
def server_key(app, midtrans):
    """Billing tests run with a Midtrans server key configured and the local stand-in as the
    gateway's API (tests/helpers/midtrans.py)."""
    return SERVER_KEY


def confirm(midtrans, body: bytes) -> None:
    """Make the stand-in say what a notification body says (a genuine notification)."""
    try:
        data = json.loads(body)
    except ValueError:
        return
    if not isinstance(data, dict) or not isinstance(data.get("order_id"), str):
        return
    midtrans.set_status(data["order_id"], str(data.get("transaction_status")),
                        str(data.get("gross_amount")), str(data.get("transaction_id")),
                        data.get("fraud_status"), str(data.get("status_code")))


@pytest.fixture
def notify(web, midtrans):
    """POST a Midtrans notification body; return the response. ``confirm`` (default) first
    makes the gateway's Get Status answer agree with the body, as it does for a genuine one."""

    def post(body: bytes, client=None, confirm_it: bool = True, source: str | None = None):
        if confirm_it:
            confirm(midtrans, body)
        extra = {"environ_base": {"REMOTE_ADDR": source}} if source else {}
        return (client or web).post("/billing/notifications/midtrans", data=body,
                                    content_type="application/json", **extra)

    return post
