"""The browser session is opened only where a browser session can matter."""

import pytest

from idp.web.session import is_machine_path
from tests.helpers.web import login

MACHINE = ["/.well-known/openid-configuration", "/.well-known/jwks.json", "/oauth2/userinfo",
           "/oauth2/introspect", "/oauth2/token", "/oauth2/revoke", "/healthz"]


@pytest.mark.parametrize("path", MACHINE)
def test_machine_paths_skip_the_session(path):
    assert is_machine_path(path)


@pytest.mark.parametrize("path", ["/oauth2/authorize", "/oauth2/authorize/resume", "/login",
                                  "/consent", "/oauth2/logout", "/signed-in", "/oauth2/tokenx"])
def test_browser_paths_keep_it(path):
    assert not is_machine_path(path)


def test_a_signed_in_browser_calling_machine_endpoints_sets_no_cookie(web, user):
    login(web, user["email"], user["password"])
    assert web.get("/signed-in").status_code == 200
    for path in ("/.well-known/openid-configuration", "/.well-known/jwks.json", "/oauth2/userinfo"):
        resp = web.get(path)
        assert "Set-Cookie" not in resp.headers, path
        # The session was never read: responses do not vary on the cookie (shared caches).
        assert "Cookie" not in resp.headers.get("Vary", ""), path
    assert web.get("/signed-in").status_code == 200  # the browser session is intact

