"""Discovery and JWKS answered on the ASGI front's event loop (idp/web/loop_routes.py):
the same bytes and headers as the Flask path, 304 by ETag, and never stale."""

from __future__ import annotations

import requests

from idp.ops.metrics import REQUESTS
from idp.web.loop_routes import LoopRoutes
from tests.helpers.asgi_server import serve

DISCOVERY, JWKS = "/.well-known/openid-configuration", "/.well-known/jwks.json"
VARYING = {"x-request-id", "date"}


def _scope(path, method="GET", headers=()):
    return {"type": "http", "method": method, "path": path, "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
            "client": ("127.0.0.1", 5000)}


def _answer(app, path, **kw):
    return LoopRoutes.of(app).answer(_scope(path, **kw))


def test_the_loop_answers_once_flask_prepared_the_bytes(app, web, clean):
    for path in (DISCOVERY, JWKS):
        if _answer(app, path) is None:  # the first request of a process goes through Flask
            web.get(path)
        status, headers, body = _answer(app, path)
        flask = web.get(path)
        assert status == 200 and body == flask.get_data()
        mine = {k.decode(): v.decode() for k, v in headers if k.decode() not in VARYING}
        theirs = {k.lower(): v for k, v in flask.headers.items() if k.lower() not in VARYING}
        assert mine == theirs, path


def test_the_same_over_http_with_304_head_and_request_id(app, web, clean):
    web.get(DISCOVERY), web.get(JWKS)
    with serve(app) as base:
        for path in (DISCOVERY, JWKS):
            first = requests.get(base + path, timeout=5)
            assert first.status_code == 200 and first.json() == web.get(path).get_json()
            tag = first.headers["ETag"]
            for held in (tag, "W/" + tag, "*", f'"other", {tag}'):
                again = requests.get(base + path, headers={"If-None-Match": held}, timeout=5)
                assert again.status_code == 304 and again.content == b"", held
                assert again.headers["ETag"] == tag  # RFC 9110 §15.4.5
                assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
            stale = requests.get(base + path, headers={"If-None-Match": '"old"'}, timeout=5)
            assert stale.status_code == 200 and stale.content == first.content
            head = requests.head(base + path, timeout=5)
            assert head.status_code == 200 and head.content == b""
            assert head.headers["Content-Length"] == str(len(first.content))
            mine = requests.get(base + path, headers={"X-Request-ID": "rp-42.a"}, timeout=5)
            assert mine.headers["X-Request-ID"] == "rp-42.a"
            odd = requests.get(base + path, headers={"X-Request-ID": "a b<"}, timeout=5)
            assert len(odd.headers["X-Request-ID"]) == 32 and first.headers["X-Request-ID"]
            assert first.headers["X-Content-Type-Options"] == "nosniff"


def test_jwks_is_never_served_stale_from_the_loop(app, web, ctx):
    from idp.keystore import revocation, signer

    before = web.get(JWKS)
    assert _answer(app, JWKS) is not None
    signer.invalidate()  # a reload is due (or another instance announced a change)
    assert _answer(app, JWKS) is None  # Flask reloads the keys first
    kid = before.get_json()["keys"][0]["kid"]
    with serve(app) as base:
        assert requests.get(base + JWKS, timeout=5).headers["ETag"] == before.headers["ETag"]
        revocation.revoke(kid)
        after = requests.get(base + JWKS, headers={"If-None-Match": before.headers["ETag"]},
                             timeout=5)
        assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
        assert kid not in {k["kid"] for k in after.json()["keys"]}
        assert _answer(app, JWKS) is not None  # the new bytes, on the loop again


def test_only_plain_gets_of_the_exact_paths(app, web, clean):
    web.get(DISCOVERY)
    assert _answer(app, DISCOVERY) is not None
    assert _answer(app, DISCOVERY, method="POST") is None
    assert _answer(app, DISCOVERY + "/") is None
    assert _answer(app, "/.well-known/openid-configuration.json") is None
    assert _answer(app, DISCOVERY, headers=[("Content-Length", "3")]) is None


def test_loop_answers_are_counted_in_the_metrics(app, web, clean):
    web.get(DISCOVERY)
    child = REQUESTS.labels(endpoint=DISCOVERY, method="GET", status="200")
    before = child._value.get()
    _answer(app, DISCOVERY)
    assert child._value.get() == before + 1
