"""JSON nested too deep for Python's parser (``[[[[…``: RecursionError, not ValueError) is
bad input wherever federation reads it, never a 500 (issue 11 item 8, the same class of
error everywhere else): a logout token posted by anyone, and what an organisation's upstream
provider answers (discovery, the token endpoint, the ID token's header)."""

from __future__ import annotations

import base64

from flask import Response

from tests.federation.conftest import DOMAIN, at_upstream, start
from tests.federation.test_refusals import _nothing_created, _refused

DEEP = b"[" * 5000 + b"]" * 5000  # 10 kB; the parser gives up at ~1,000 levels
ENDPOINT = "/login/federated/backchannel-logout"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _answer(upstream, view: str, body: bytes) -> None:
    """The stand-in answers ``view`` with ``body`` (200, application/json) from now on."""
    upstream._server.app.view_functions[view] = lambda: Response(body, 200,
                                                                 mimetype="application/json")


def test_a_logout_token_whose_payload_is_nested_too_deep_is_a_400(web, clean):
    token = _b64(b'{"alg":"RS256","kid":"up-1"}') + "." + _b64(DEEP) + ".c2ln"
    resp = web.post(ENDPOINT, data={"logout_token": token})
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_request"


def test_a_logout_token_whose_header_is_nested_too_deep_is_a_400(web, acme, upstream):
    token = _b64(DEEP) + "." + _b64(b'{"iss":"%s","aud":"tomps-at-acme"}'
                                    % upstream.url.encode()) + ".c2ln"
    resp = web.post(ENDPOINT, data={"logout_token": token})
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_request"


def test_an_upstream_discovery_nested_too_deep_gets_a_page(app, web, acme, upstream):
    _answer(upstream, "discovery", DEEP)
    _refused(start(web, "dewi@" + DOMAIN), "upstream_down", 502)
    _nothing_created(app)


def test_an_upstream_token_answer_nested_too_deep_gets_a_page(app, web, acme, upstream):
    callback = at_upstream(start(web, "dewi@" + DOMAIN).headers["Location"])
    _answer(upstream, "token", DEEP)
    _refused(web.get(callback), "upstream_down", 502)
    _nothing_created(app)


def test_an_id_token_whose_header_is_nested_too_deep_gets_a_page(app, web, acme, upstream):
    callback = at_upstream(start(web, "dewi@" + DOMAIN).headers["Location"])
    id_token = _b64(DEEP) + "." + _b64(b"{}") + ".c2ln"
    _answer(upstream, "token", b'{"access_token":"a","token_type":"Bearer","id_token":"%s"}'
            % id_token.encode())
    _refused(web.get(callback), "invalid_token", 502)
    _nothing_created(app)
