"""The table the fuzz suite walks: every endpoint and form, how to reach it, what it takes.

To fuzz a new endpoint, add a row. ``setup`` names how the browser is prepared
(see ``SETUPS`` in test_fuzz_endpoints.py); ``csrf_from`` is the page whose
form token is sent along (None: no token, the request must be refused);
``json`` marks machine endpoints (JSON errors, no HTML checks). After the OIDC
merge, add rows such as:

    Endpoint("GET", "/oauth2/authorize", ("client_id", "redirect_uri", "response_type",
             "scope", "state", "nonce", "code_challenge", "code_challenge_method", "prompt")),
    Endpoint("POST", "/oauth2/token", ("grant_type", "code", "redirect_uri", "client_id",
             "code_verifier", "refresh_token"), json=True),
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    fields: tuple[str, ...] = ()
    setup: str = "anonymous"
    csrf_from: str | None = None
    json: bool = False

    @property
    def id(self) -> str:
        token = "+csrf" if self.csrf_from else ""
        return f"{self.method} {self.path}{token} [{self.setup}]"


ENDPOINTS = [
    Endpoint("GET", "/login", ("interaction", "login_hint", "next", "prompt")),
    Endpoint("POST", "/login", ("email", "password", "interaction"), csrf_from="/login"),
    Endpoint("POST", "/login", ("email", "password", "interaction")),
    Endpoint("GET", "/signed-in", ("next",), setup="signed_in"),
    Endpoint("POST", "/logout", ("next", "post_logout_redirect_uri"), setup="signed_in"),
    Endpoint("POST", "/logout", ("next",), setup="signed_in", csrf_from="/signed-in"),
    Endpoint("GET", "/login/totp", ("code", "next"), setup="pending_otp"),
    Endpoint("POST", "/login/totp", ("code", "next"), setup="pending_otp", csrf_from="/login/totp"),
    Endpoint("POST", "/login/totp", ("code",), setup="pending_otp"),
    Endpoint("GET", "/account/totp", ("next",), setup="signed_in"),
    Endpoint("POST", "/account/totp", ("code",), setup="signed_in", csrf_from="/account/totp"),
    Endpoint("POST", "/account/totp", ("code",), setup="signed_in"),
    Endpoint("GET", "/readyz", ("x",), json=True),
    Endpoint("GET", "/healthz", ("x",), json=True),
    Endpoint("GET", "/metrics", ("name[]",)),
    Endpoint("GET", "/oauth2/does-not-exist", ("client_id", "redirect_uri"), json=True),
]

# Paths built from fuzzed segments go here (unknown paths, traversal, encodings).
PATH_PREFIXES = ["/", "/login/", "/account/", "/oauth2/", "/static/web/", "/.well-known/"]
