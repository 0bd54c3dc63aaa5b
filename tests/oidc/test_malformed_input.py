"""Malformed input of every shape at every endpoint: a 4xx, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.oidc.conftest import basic

pytestmark = pytest.mark.embedded  # also on the embedded default (tests/conftest.py)

ENDPOINTS = ["/oauth2/authorize", "/oauth2/authorize/resume", "/consent",
             "/oauth2/token", "/oauth2/userinfo", "/oauth2/revoke", "/oauth2/introspect",
             "/.well-known/openid-configuration", "/.well-known/jwks.json"]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
BIG = "x" * 70000

BODIES = [
    ("missing everything", {}, None),
    ("repeated", {"grant_type": ["authorization_code", "refresh_token"],
                  "client_id": ["a", "b"], "code": ["1", "2"], "token": ["a", "b"]}, None),
    ("oversized", {"grant_type": "authorization_code", "code": BIG, "client_id": BIG,
                   "token": BIG, "refresh_token": BIG, "redirect_uri": BIG}, None),
    ("wrong types", {"grant_type": "refresh_token", "refresh_token": "", "scope": "\x00",
                     "code_verifier": "é" * 50, "token_type_hint": "nonsense"}, None),
    ("json body", b'{"grant_type": "authorization_code"}', "application/json"),
    ("non-utf8 form", b"grant_type=\xff\xfe&code=\xc3\x28&client_id=\xff&token=\xfe",
     "application/x-www-form-urlencoded"),
    ("multipart", {"grant_type": "client_credentials", "file": (b"abc", "f.txt")}, None),
    ("wrong content type", b"grant_type=client_credentials", "text/plain"),
]
QUERIES = ["", "response_type=code", "client_id=%ff%fe", "client_id=a&client_id=b",
           "interaction=" + "x" * 5000, "redirect_uri=javascript:alert(1)&client_id=x",
           "response_type=code&client_id=x&redirect_uri=%00", "max_age=abc&prompt=none"]
HEADERS = [{}, {"Authorization": "Basic ###"}, {"Authorization": "Basic " + "A" * 10000},
           {"Authorization": "Bearer \u00e9"}, {"Authorization": "Basic w6k6w6k="},
           {"Authorization": "Bearer a.b.c"}]


def _requests():
    """Every malformed request of the table, as (method, query, kwargs) triples."""
    for method in METHODS:
        yield method, "", {}
    for name, body, content_type in BODIES:
        kwargs = {"data": body}
        if content_type:
            kwargs["content_type"] = content_type
        yield "POST", "", kwargs
    for qs in QUERIES:
        for headers in HEADERS:
            yield "GET", qs, {"headers": headers}
            yield "POST", qs, {"headers": headers, "data": {"token": "a.b.c"}}


@pytest.mark.parametrize("path", ENDPOINTS)
def test_malformed_requests_never_500(web, path):
    """One test per endpoint (a clean database each), the whole table inside."""
    for method, qs, kwargs in _requests():
        resp = web.open(f"{path}?{qs}" if qs else path, method=method, **kwargs)
        assert resp.status_code < 500, (path, method, qs, kwargs, resp.get_data(as_text=True)[:300])


def test_json_endpoints_answer_json_errors(web, clean):
    for path in ("/oauth2/token", "/oauth2/revoke", "/oauth2/introspect", "/oauth2/userinfo"):
        resp = web.post(path, data={})
        assert resp.status_code in (400, 401) and resp.get_json()["error"], path


_text = st.text(max_size=300) | st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
_form = st.dictionaries(st.sampled_from(
    ["grant_type", "code", "client_id", "client_secret", "redirect_uri", "code_verifier",
     "refresh_token", "scope", "token", "token_type_hint", "access_token", "response_type",
     "state", "nonce", "prompt", "max_age", "code_challenge", "code_challenge_method",
     "response_mode", "id_token_hint", "login_hint", "interaction"]), _text, max_size=10)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=_form, path=st.sampled_from(ENDPOINTS), method=st.sampled_from(["GET", "POST"]),
       authenticated=st.booleans())
def test_random_parameters(web, confidential_client, form, path, method, authenticated):
    """Random values, sometimes from a real client, so requests reach the deeper checks."""
    headers = {}
    if authenticated:
        form = dict(form, client_id=confidential_client["client_id"],
                    redirect_uri=confidential_client["redirect_uri"])
        headers = basic(confidential_client["client_id"], confidential_client["client_secret"])
    if method == "GET":
        resp = web.get(path, query_string=form, headers=headers)
    else:
        resp = web.post(path, data=form, headers=headers)
    assert resp.status_code < 500, (path, form, resp.get_data(as_text=True)[:300])


# Basic credentials are the form-urlencoded UTF-8 id and secret, base64-encoded (RFC 6749
# §2.3.1, RFC 7617 §2.1): anything that does not decode is a failed client authentication.
NOT_UTF8 = [b"\xff\xfe:\xff", b"client:\xc3\x28", b"\xed\xa0\x80:x", b"\xc0\xaf:secret",
            "é:é".encode("latin-1"), "id:secret".encode("utf-16"), b"\x00:\x00",
            b"%ff%fe:%c3%28", b"id%zz:secret"]


@pytest.mark.parametrize("raw", NOT_UTF8, ids=repr)
@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/revoke", "/oauth2/introspect"])
def test_basic_credentials_that_are_not_utf8_are_invalid_client(web, clean, path, raw):
    import base64

    header = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    resp = web.post(path, data={"grant_type": "client_credentials", "token": "x"}, headers=header)
    assert resp.status_code == 401, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.get_json()["error"] == "invalid_client"
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
