"""Token-endpoint outcomes in the audit log and the metrics: every refusal is a
``token.refused`` row with the spec reason (never the code or token); every
token response counts in ``idp_tokens_issued_total`` by grant."""

from prometheus_client import REGISTRY

from tests.oidc.conftest import basic


def _refusals(app):
    from idp.audit import describe, search

    with app.app_context():
        return [describe(e) for e in search(type="token.refused", limit=100)]


def _issued(grant):
    return REGISTRY.get_sample_value("idp_tokens_issued_total", {"grant": grant}) or 0


def test_an_unknown_code_is_recorded_as_invalid_grant_without_the_code(app, flow):
    flow.exchange("secret-looking-code-" + "x" * 30)
    (row,) = _refusals(app)
    assert row["reason"] == "invalid_grant" and row["client_id"] == flow.client["client_id"]
    assert "secret-looking-code" not in str(row)


def test_a_wrong_secret_is_recorded_as_invalid_client(app, flow):
    flow.web.post("/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": "r" * 40},
                  headers=basic(flow.client["client_id"], "wrong-secret"))
    (row,) = _refusals(app)
    assert row["reason"] == "invalid_client" and row["client_id"] == flow.client["client_id"]
    assert "wrong-secret" not in str(row) and "r" * 40 not in str(row)


def test_early_refusals_take_the_same_path(app, web):
    web.post("/oauth2/token", data={"code": "c"})
    web.post("/oauth2/token", data={"grant_type": ["a", "b"]})
    assert [r["reason"] for r in _refusals(app)] == ["invalid_request", "invalid_request"]


def test_unknown_client_ids_are_not_stored(app, web):
    web.post("/oauth2/token", data={"grant_type": "client_credentials"},
             headers=basic("made-up-client", "x"))
    (row,) = _refusals(app)
    assert row["reason"] == "invalid_client" and row["client_id"] is None


def test_issued_tokens_are_counted_by_grant_and_failures_are_not(app, flow):
    before_code, before_refresh = _issued("authorization_code"), _issued("refresh_token")
    tokens = flow.tokens()
    assert flow.refresh(tokens["refresh_token"]).status_code == 200
    flow.exchange("y" * 40)
    assert _issued("authorization_code") == before_code + 1
    assert _issued("refresh_token") == before_refresh + 1
    assert _refusals(app) and not [r for r in _refusals(app) if r["reason"] != "invalid_grant"]
