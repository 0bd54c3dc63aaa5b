"""A stand-in OpenID Connect provider for the federation tests: a real HTTP server on a
free port (bound to port 0 in this process) that can mint *bad* tokens on request.

It answers discovery, JWKS, /authorize (no login page: it signs ``person`` in at once and
redirects back with a code, or with ``error=access_denied`` when ``deny`` is set) and
/token (client_secret_basic and PKCE S256 checked, as a real provider would). What goes
into the next ID token is ``person`` plus ``overrides`` — set ``overrides`` to mint a
wrong nonce, iss or aud; ``sign_with_other_key`` for a bad signature under the same kid.
``logout_token(...)`` mints a Back-Channel Logout 1.0 logout token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class UpstreamProvider:
    def __init__(self, client_id: str = "tomps-at-acme", client_secret: str = "upstream-secret"):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, private=True, parameters={"kid": "up-1"})
        self.other_key = RSAKey.generate_key(2048, private=True, parameters={"kid": "up-1"})
        self.person = {"sub": "acme-0001", "email": "dewi@acme.example", "email_verified": True,
                       "given_name": "Dewi", "family_name": "Lestari"}
        self.overrides: dict = {}
        self.deny = False
        self.sign_with_other_key = False
        self.alg = "RS256"
        self.codes: dict[str, dict] = {}
        self.requests: list[dict] = []  # every /authorize query, for assertions
        self.token_calls = 0
        self.jwks_fetches = 0
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # --- tokens ---

    def sign(self, claims: dict, header: dict | None = None) -> str:
        key = self.other_key if self.sign_with_other_key else self.key
        head = {"alg": self.alg, "kid": "up-1", **(header or {})}
        return jwt.encode(head, claims, key)

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "nonce": nonce, "auth_time": now, "sid": "up-sid-" + secrets.token_hex(4),
                  **self.person}
        claims.update(self.overrides)
        return self.sign({k: v for k, v in claims.items() if v is not None})

    def logout_token(self, **claims) -> str:
        now = int(time.time())
        body = {"iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 120,
                "jti": secrets.token_hex(8), "events": {LOGOUT_EVENT: {}},
                "sub": self.person["sub"]}
        body.update(claims)
        return self.sign({k: v for k, v in body.items() if v is not None}, {"typ": "logout+jwt"})

    # --- the HTTP side ---

    def _app(self) -> Flask:
        app = Flask("upstream")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(issuer=self.url, authorization_endpoint=self.url + "/authorize",
                           token_endpoint=self.url + "/token", jwks_uri=self.url + "/jwks",
                           response_types_supported=["code"], subject_types_supported=["public"],
                           id_token_signing_alg_values_supported=["RS256"],
                           token_endpoint_auth_methods_supported=["client_secret_basic"],
                           code_challenge_methods_supported=["S256"],
                           backchannel_logout_supported=True)

        @app.get("/jwks")
        def jwks():
            self.jwks_fetches += 1
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            args = request.args.to_dict()
            self.requests.append(args)
            back = args["redirect_uri"]
            if self.deny:
                return redirect(back + "?" + urlencode({"error": "access_denied",
                                                         "state": args.get("state", "")}))
            code = secrets.token_urlsafe(16)
            self.codes[code] = args
            return redirect(back + "?" + urlencode({"code": code, "state": args.get("state", "")}))

        @app.post("/token")
        def token():
            self.token_calls += 1
            auth = request.authorization
            if not auth or (auth.username, auth.password) != (self.client_id, self.client_secret):
                return jsonify(error="invalid_client"), 401
            asked = self.codes.pop(request.form.get("code", ""), None)
            if asked is None or asked["redirect_uri"] != request.form.get("redirect_uri"):
                return jsonify(error="invalid_grant"), 400
            verifier = request.form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if digest.rstrip(b"=").decode() != asked.get("code_challenge"):
                return jsonify(error="invalid_grant", error_description="PKCE"), 400
            return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer",
                           expires_in=300, id_token=self.id_token(asked.get("nonce")))

        return app
