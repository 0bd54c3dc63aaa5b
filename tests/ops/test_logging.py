"""JSON logs with a request id; X-Request-ID in and out."""

import io
import json
import logging

import pytest

from idp.ops.logging import JsonFormatter, RequestIdFilter


@pytest.fixture
def log_lines():
    """Every log line written during the test, as the JSON formatter renders it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(saved)


@pytest.fixture
def noisy_app(instances):
    """An instance with one route that logs, to see the request id on every line."""
    app = instances()

    @app.get("/_test/noisy")
    def noisy():
        logging.getLogger("idp.test").warning("inside the request")
        return "ok"

    return app


def test_a_sane_request_id_is_kept_and_on_every_line(noisy_app, log_lines):
    resp = noisy_app.test_client().get("/_test/noisy", headers={"X-Request-ID": "abc-123.x:y"})
    assert resp.headers["X-Request-ID"] == "abc-123.x:y"
    lines = [entry for entry in log_lines() if entry["request_id"] == "abc-123.x:y"]
    assert {e["logger"] for e in lines} >= {"idp.test", "idp.access"}
    access = next(e for e in lines if e["logger"] == "idp.access")
    assert access["status"] == 200 and access["path"] == "/_test/noisy" and "duration_ms" in access
    assert set(access) >= {"ts", "level", "logger", "message", "request_id"}


@pytest.mark.parametrize("offered", ["", "has space", "x" * 129, "<script>", "a;b", "é"])
def test_an_insane_request_id_is_replaced(web, offered):
    resp = web.get("/healthz", headers={"X-Request-ID": offered})
    rid = resp.headers["X-Request-ID"]
    assert rid != offered and len(rid) == 32 and rid.isalnum()


def test_the_access_line_never_holds_the_query_string(web, log_lines):
    web.get("/login?code=SECRETCODE123&token=TOK456")
    text = json.dumps(log_lines())
    assert "SECRETCODE123" not in text and "TOK456" not in text


def test_json_is_the_production_default_and_text_can_be_chosen():
    from dataclasses import replace

    from idp.config import load_settings
    from idp.ops.logging import configure_logging

    root = logging.getLogger()
    ours = lambda: next(h for h in root.handlers if getattr(h, "_idp", False))
    saved = root.level
    # Only what logging reads: the production checks of the other settings do not matter.
    production = replace(load_settings(environ={}), env="production", log_level="WARNING")
    try:
        configure_logging(replace(production, log_format=""))
        assert isinstance(ours().formatter, JsonFormatter)
        configure_logging(replace(production, log_format="text"))
        assert not isinstance(ours().formatter, JsonFormatter)
    finally:
        root.setLevel(saved)


def test_an_unknown_log_format_is_a_config_error():
    from idp.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="log_format"):
        load_settings({"log_format": "xml"})


def test_database_errors_never_carry_bound_values(ctx):
    """hide_parameters: a failed statement's message names no value (hashes, tokens)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from idp.extensions import db

    with pytest.raises(DBAPIError) as info:
        db.session.execute(text("SELECT 1 / :zero + length(:s)"), {"zero": 0, "s": "TOPSECRET"})
    db.session.rollback()
    assert "TOPSECRET" not in str(info.value)
