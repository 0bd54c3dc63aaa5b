"""Bad JSON of any shape at the payment webhook: a JSON 4xx, never a 5xx (issue 11 item 8).

The form-field fuzzing in test_fuzz_endpoints.py never sends a JSON body; the gateway
does. Deep nesting (a RecursionError in the parser or the serialiser), huge numbers,
every JSON type in every field, and valid signatures over hostile extra fields.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.helpers.midtrans import signature

EXAMPLES = int(os.environ.get("IDP_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=max(10, EXAMPLES * 2), deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PATH = "/billing/notifications/midtrans"
FIELDS = ("order_id", "status_code", "gross_amount", "transaction_status", "transaction_id",
          "fraud_status", "signature_key")

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=60), st.sampled_from(["settlement", "refund", "\x00", "1e999",
                                                           "NaN", "-0", "9" * 400]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20)


def nested(depth: int, kind: str = "list") -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def _post(client, body: bytes, source: str = "203.0.113.50"):
    return client.post(PATH, data=body, content_type="application/json",
                       environ_base={"REMOTE_ADDR": source})


def _assert_json_4xx(resp) -> None:
    assert resp.status_code < 500, resp.status_code
    if resp.status_code >= 400:
        assert resp.mimetype == "application/json" and "error" in resp.get_json()


@pytest.fixture
def webhook(app, clean, midtrans):
    return app.test_client()


@pytest.mark.parametrize("body", [nested(100_000), nested(100_000, "dict"), nested(3000),
                                  b'{"order_id": ' + nested(50_000) + b"}",
                                  b"1" * 100_000, b"-" + b"9" * 5000, b"1e99999"])
def test_deep_or_huge_json_is_a_4xx(webhook, body):
    _assert_json_4xx(_post(webhook, body))


def test_a_validly_signed_body_with_deeply_nested_extras_is_not_a_500(webhook, app):
    from idp.billing.orders import create_order
    from idp.extensions import db
    from idp.storage.models import Organization, PaymentNotification, Plan

    with app.app_context():
        org = Organization(name="acme")
        plan = Plan(code="suite", name="Suite", price=150000, currency="IDR", products=["asset"])
        db.session.add_all([org, plan])
        db.session.commit()
        order, _ = create_order(org, plan)
        ref = order.gateway_order_id
    key = app.config["IDP"].midtrans_server_key
    body = {"order_id": ref, "status_code": "200", "gross_amount": "150000.00",
            "transaction_status": "settlement", "transaction_id": "tx", "fraud_status": "accept",
            "signature_key": signature(ref, "200", "150000.00", key)}
    for depth in (500, 950, 5000):
        text = json.dumps(body)[:-1] + ', "extra": ' + nested(depth).decode() + "}"
        _assert_json_4xx(_post(webhook, text.encode(), source=f"203.0.113.{depth % 250}"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PaymentNotification)) >= 0


@FUZZ
@given(data=st.fixed_dictionaries({}, optional={f: json_values for f in FIELDS}),
       extra=st.dictionaries(st.text(max_size=12), json_values, max_size=3))
def test_any_json_object_is_answered_without_a_5xx(webhook, data, extra):
    _assert_json_4xx(_post(webhook, json.dumps({**extra, **data}).encode()))


@FUZZ
@given(value=json_values)
def test_any_json_document_is_answered_without_a_5xx(webhook, value):
    _assert_json_4xx(_post(webhook, json.dumps(value).encode()))
