"""The hot path's handlers under hostile input (issue 16): discovery and JWKS answered on
the event loop (web/loop_routes.py), userinfo's and the refresh grant's prepared SQL
(storage/hot.py). Nothing raises, nothing is a 500, and a refused refresh changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from idp.web.loop_routes import LoopRoutes
from tests.oidc.conftest import flow  # noqa: F401
from tests.fuzz.test_fuzz_endpoints import FUZZ, HOSTILE, check_response, values

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)

PATHS = ["/.well-known/openid-configuration", "/.well-known/jwks.json",
         "/.well-known/jwks.json/", "/.well-known/", "/"]
header_value = st.one_of(st.sampled_from(HOSTILE), st.binary(max_size=200),
                         st.sampled_from([b"*", b'W/"x"', b'"a", W/"b"', b",,,", b"W/"]))
header = st.tuples(st.sampled_from([b"if-none-match", b"x-request-id", b"x-forwarded-for",
                                    b"content-length", b"transfer-encoding", b"x"]),
                   header_value.map(lambda v: v if isinstance(v, bytes)
                                    else v.encode("utf-8", "surrogatepass")))


@FUZZ
@given(path=st.one_of(st.sampled_from(PATHS), st.text(max_size=40)),
       method=st.sampled_from(["GET", "HEAD", "POST", "OPTIONS"]),
       headers=st.lists(header, max_size=6))
def test_fuzz_loop_routes(app, web, clean, path, method, headers):
    web.get(PATHS[0]), web.get(PATHS[1])  # the prepared bytes exist
    routes = LoopRoutes.of(app)
    answer = routes.answer({"type": "http", "method": method, "path": path, "root_path": "",
                            "headers": headers, "client": ("127.0.0.1", 1)})
    if answer is not None:
        status, out, body = answer
        assert status in (200, 304) and method in ("GET", "HEAD") and path in PATHS[:2]
        names = [name for name, _ in out]
        assert b"etag" in names and b"x-request-id" in names
        assert all(b"\r" not in v and b"\n" not in v for _, v in out)  # no header injection


@FUZZ
@given(token=values, scope=st.one_of(st.none(), values))
def test_fuzz_the_refresh_grant(app, flow, token, scope):
    from idp.extensions import db
    from idp.storage.models import RefreshToken

    def rows():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(RefreshToken))

    before = rows()
    extra = {"scope": scope} if scope is not None else {}
    resp = flow.refresh(token, **extra)
    check_response(resp, json_endpoint=True)
    assert resp.status_code == 400 and resp.get_json()["error"] in (
        "invalid_grant", "invalid_request", "invalid_scope")
    assert rows() == before


@FUZZ
@given(scope=st.one_of(values, st.sampled_from(["openid", "openid email", "profile",
                                                "openid offline_access", ""])))
def test_fuzz_refresh_scope_narrowing(app, flow, scope):
    """RFC 6749 §6: a scope beyond the original is invalid_scope; a narrower one is granted."""
    tokens = flow.tokens()
    resp = flow.refresh(tokens["refresh_token"], scope=scope)
    check_response(resp, json_endpoint=True)
    granted = set(tokens["scope"].split())
    asked = set(scope.split())
    if resp.status_code == 200:
        assert set(resp.get_json()["scope"].split()) <= granted
        assert resp.headers["Cache-Control"] == "no-store" and resp.headers["Pragma"] == "no-cache"
    else:
        assert asked and not asked <= granted or resp.get_json()["error"] == "invalid_request", \
            (scope, resp.get_json())


# --- the event loop's userinfo, introspection and refresh (oidc/loop_endpoints.py) ---

LOOP_HANDLERS = {"/oauth2/userinfo": "userinfo", "/oauth2/introspect": "introspection",
                 "/oauth2/token": "refresh_grant"}
raw = st.one_of(st.sampled_from(HOSTILE).map(lambda v: v.encode("utf-8", "surrogatepass")),
                st.binary(max_size=300))
loop_header = st.tuples(
    st.sampled_from([b"authorization", b"content-type", b"x-forwarded-for", b"x"]),
    st.one_of(raw, st.sampled_from([b"Bearer ", b"Bearer a.b.c", b"Basic ", b"Basic !!",
                                    b"basic Zm9vOmJhcg==", b"application/x-www-form-urlencoded",
                                    b"application/x-www-form-urlencoded; charset=latin-1"])))
form_body = st.one_of(raw, st.lists(st.tuples(
    st.sampled_from(["grant_type", "refresh_token", "token", "scope", "resource", "client_id",
                     "token_type_hint", "x"]),
    values.map(lambda v: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))),
    max_size=5).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs).encode()))


@FUZZ
@given(path=st.sampled_from(sorted(LOOP_HANDLERS)), method=st.sampled_from(["GET", "POST", "PUT"]),
       headers=st.lists(loop_header, max_size=4), body=form_body)
def test_fuzz_the_loop_handlers(services_app, flow, path, method, headers, body):
    """Anything a client sends: the handler answers a dict or leaves it to Flask (None);
    it never raises, and it never answers an input that carries no valid credentials."""
    import asyncio

    from idp.oidc import loop_endpoints
    from idp.storage.hot_async import for_app

    app = services_app  # the loop handlers need Postgres and Redis (embedded: none)
    handler = getattr(loop_endpoints, LOOP_HANDLERS[path])

    async def run():
        store = for_app(app)
        try:
            return await handler(app, store, method, dict(headers), body, "127.0.0.1")
        finally:
            await store.close()

    assert asyncio.run(run()) is None  # nothing random is a live token with its secret
