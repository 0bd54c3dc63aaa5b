"""Bad input below the parameters: headers, encodings, nesting and size (issue 11 item 8).

test_fuzz_endpoints.py sends hostile *values*. This file sends hostile *shapes* to every
row of the table (tests/fuzz/endpoints.py) but the payment gateway's webhook (the billing
part fuzzes its own body): Basic credentials that are not UTF-8, bearer tokens whose JOSE
header is nested JSON, bodies in odd charsets, invalid percent-encoding, multipart without
a boundary, deeply nested JSON, thousands of repeated parameters, oversized cookies and
Accept-Language headers. Every answer passes the same checks: no 5xx, no unescaped
reflection, no redirect off the IdP, and a refused request changes nothing.
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.endpoints import ENDPOINTS, EXTRA, Endpoint
from tests.fuzz.test_fuzz_endpoints import EXAMPLES, FUZZ_EXTRA, SETUPS, _state, check_response

WEBHOOK = "/billing/notifications/midtrans"  # fuzzed by the billing part (nested JSON there)
# One row per method, path and browser state: with or without a CSRF token, an odd shape
# is refused the same way (the value fuzzing covers both).
ROWS = list({(e.method, e.path, e.setup): e for e in ENDPOINTS + EXTRA
             if e.path != WEBHOOK}.values())
FEW = settings(FUZZ_EXTRA, max_examples=max(2, EXAMPLES // 5))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt(header: bytes, payload: bytes = b"{}") -> str:
    return f"{_b64(header)}.{_b64(payload)}.{_b64(b'sig')}"


def _basic(raw: bytes) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


NESTED = b"[" * 5000 + b"]" * 5000
NESTED_OBJECT = b'{"a":' * 3000 + b"1" + b"}" * 3000
# Each case: (name, headers, how the row's fields are encoded, raw body, content type).
HEADER_CASES = [
    ("basic not utf-8", _basic(b"\xff\xfe:\xff")),
    ("basic lone surrogate", _basic(b"\xed\xa0\x80:\xed\xbf\xbf")),
    ("basic overlong", _basic(b"\xc0\xaf\xc0\xaf:x")),
    ("basic latin-1", _basic("é:ü".encode("latin-1"))),
    ("basic utf-16", _basic("id:secret".encode("utf-16"))),
    ("basic nul", _basic(b"\x00:\x00")),
    ("basic bad escapes", _basic(b"%ff%fe:%c3%28")),
    ("basic no colon", _basic(b"justanid")),
    ("basic empty", {"Authorization": "Basic "}),
    ("basic not base64", {"Authorization": "Basic ###==="}),
    ("basic huge", {"Authorization": "Basic " + "QUFB" * 4000}),
    ("header latin-1", {"Authorization": "Basic \xe9\xff\xfe"}),
    ("bearer nested header", {"Authorization": "Bearer " + _jwt(NESTED)}),
    ("bearer nested object", {"Authorization": "Bearer " + _jwt(NESTED_OBJECT)}),
    ("bearer nested claims", {"Authorization": "Bearer " + _jwt(b'{"alg":"RS256","kid":"x"}',
                                                                 NESTED)}),
    ("bearer huge numbers", {"Authorization": "Bearer " + _jwt(
        b'{"alg":"RS256","kid":"' + b"9" * 5000 + b'"}', b'{"exp":' + b"9" * 5000 + b"}")}),
    ("bearer not utf-8", {"Authorization": "Bearer " + _jwt(b"\xff\xfe", b"\xc3\x28")}),
    ("cookie garbage", {"Cookie": "idp_session=\xff\xfe.garbage.\x01; other=%ff"}),
    ("cookie huge", {"Cookie": "idp_session=" + "A" * 8000}),
    ("accept-language odd", {"Accept-Language": "\xff\xfe;q=abc, *;q=9e999, en;q=-1, ,;,"}),
    ("accept-language huge", {"Accept-Language": ",".join(["id-ID;q=0.5"] * 2000)}),
    ("if-none-match odd", {"If-None-Match": 'W/"\xff", *, "' + "x" * 5000}),
    ("request id odd", {"X-Request-ID": "\xff\x01" * 50}),
    ("forwarded odd", {"X-Forwarded-For": "\xff, ::::, 999.999.1.1", "X-Forwarded-Proto": "\xff"}),
]
BODY_CASES = [
    ("form not utf-8", b"%s=\xff\xfe&%s=\xc3\x28", "application/x-www-form-urlencoded"),
    ("form bad escapes", b"%s=%%ff%%fe%%zz&%s=%%c3%%28%%", "application/x-www-form-urlencoded"),
    ("form utf-16", "{0}=é&{1}=ü".encode("utf-16"),
     "application/x-www-form-urlencoded; charset=utf-16"),
    ("form unknown charset", b"%s=a&%s=b", "application/x-www-form-urlencoded; charset=bogus-8"),
    ("multipart without boundary", b"--x\r\n\r\n", "multipart/form-data"),
    ("multipart odd boundary", (b"--\xff\r\nContent-Disposition: form-data; name=\"\xff\"\r\n"
                                b"\r\n\xfe\r\n--\xff--\r\n"), "multipart/form-data; boundary=\xff"),
    ("json nested", NESTED, "application/json"),
    ("json object nested", NESTED_OBJECT, "application/json"),
    ("json huge numbers", b'{"%s": ' + b"9" * 6000 + b"}", "application/json"),
    ("many parameters", b"&".join([b"%s=1"] * 3000), "application/x-www-form-urlencoded"),
]
QUERY_CASES = [
    ("query not utf-8", "{0}=%ff%fe&{1}=%c3%28"),
    ("query bad escapes", "{0}=%zz%&{1}=%%%"),
    ("query nul", "{0}=%00&%00={1}"),
    ("query nested brackets", "{0}" + "[a]" * 500 + "=1"),
    ("query repeated", "&".join(["{0}=x", "{1}=y"] * 1500)),
    ("query nested json", "{0}=" + "%5B" * 3000),
]


def _fields(endpoint: Endpoint) -> tuple[str, str]:
    first = endpoint.fields[0] if endpoint.fields else "x"
    return first, endpoint.fields[1] if len(endpoint.fields) > 1 else first


def _body(template: bytes, endpoint: Endpoint) -> bytes:
    first, second = _fields(endpoint)
    if template.startswith((b"\xff\xfe", b"\xfe\xff")):  # a utf-16 template
        return template.decode("utf-16").format(first, second).encode("utf-16")
    holes = template.count(b"%s") - template.count(b"%%s")
    names = [first.encode(), second.encode()] * (holes // 2 + 1)
    return template % tuple(names[:holes]) if holes else template


@pytest.fixture
def browser(app, clean, user, request):
    endpoint = request.param
    web = app.test_client()
    return endpoint, SETUPS[endpoint.setup](app, web, user) or web


# What an odd header is sent with, so that it reaches client authentication: the token
# endpoint checks grant_type before it looks at the client.
PLAUSIBLE = {"/oauth2/token": {"grant_type": "client_credentials", "scope": "openid"}}


def _send(web, endpoint: Endpoint, headers=None, query="", body=None, content_type=None):
    path = f"{endpoint.path}?{query}" if query else endpoint.path
    if body is None:
        plausible = PLAUSIBLE.get(endpoint.path, {})
        if endpoint.method == "GET" or query:
            return web.open(path, method=endpoint.method, headers=headers or {})
        return web.open(path, method=endpoint.method, headers=headers or {}, data=plausible)
    return web.open(path, method=endpoint.method, data=body, content_type=content_type,
                    headers=headers or {})


def _table(endpoint: Endpoint) -> list[dict]:
    """Every odd shape of the tables above, as keyword arguments of ``_send``."""
    first, second = _fields(endpoint)
    requests = [{"headers": headers} for _, headers in HEADER_CASES]
    requests += [{"query": template.format(first, second)} for _, template in QUERY_CASES]
    if endpoint.method != "GET":
        requests += [{"body": _body(template, endpoint), "content_type": content_type}
                     for _, template, content_type in BODY_CASES]
    return requests


# (An HTTP header cannot carry CR or LF; everything else of latin-1 can reach the app.)
_latin1 = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=255,
                                         exclude_characters="\r\n"), max_size=120)
_header_values = st.one_of(
    st.binary(max_size=120).map(lambda raw: "Basic " + base64.b64encode(raw).decode()),
    st.binary(max_size=200).map(lambda raw: "Bearer " + _jwt(raw, raw[::-1])),
    st.recursive(st.none() | st.integers() | st.text(max_size=5),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                     st.text(max_size=3), inner, max_size=3), max_leaves=30).map(
        lambda value: "Bearer " + _jwt(json.dumps(value).encode())),
    _latin1.map(lambda text: "Basic " + text),
    _latin1,
)


def _random_request(endpoint: Endpoint, authorization, raw, language, as_query) -> dict:
    """Random credentials and raw bytes in the row's first field (query or form body)."""
    first, _ = _fields(endpoint)
    headers = {"Authorization": authorization, "Accept-Language": language}
    if as_query or endpoint.method == "GET":
        return {"headers": headers, "query": first + "=" + "".join(f"%{b:02x}" for b in raw)}
    return {"headers": headers, "body": first.encode() + b"=" + raw,
            "content_type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("browser", ROWS, ids=lambda e: e.id, indirect=True)
def test_odd_shapes_never_500(app, user, browser):
    """The whole table at one endpoint, then random credentials and bytes.

    The table's requests are compared with the state once, all together (a snapshot
    costs more than a request); each random request on its own.
    """
    endpoint, web = browser
    before, refused = _state(app, user["id"]), True
    for kwargs in _table(endpoint):
        resp = _send(web, endpoint, **kwargs)
        check_response(resp, endpoint.json)
        refused = refused and resp.status_code >= 400
    if refused:
        assert _state(app, user["id"]) == before, "refused requests changed state"

    @FEW
    @given(authorization=_header_values, raw=st.binary(max_size=300), language=_latin1,
           as_query=st.booleans())
    def run(authorization, raw, language, as_query):
        before = _state(app, user["id"])
        resp = _send(web, endpoint, **_random_request(endpoint, authorization, raw, language,
                                                      as_query))
        check_response(resp, endpoint.json)
        if resp.status_code >= 400:
            assert _state(app, user["id"]) == before, "a refused request changed state"

    run()
