"""The one registry of grants and endpoints: an Authlib AuthorizationServer.

Registered here and nowhere else: the authorization code grant (with OIDC and
S256 PKCE), refresh token rotation, client credentials, revocation and
introspection. No implicit, hybrid or password grant (RFC 9700 §2.1.2, §2.4).
"""

from __future__ import annotations

import logging
import re

from authlib.integrations.flask_oauth2 import AuthorizationServer as _FlaskAuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from flask import current_app
from flask import request as flask_request

from .. import audit
from ..clients import cache as client_cache
from ..ops.metrics import count_token
from . import client_auth
from .client_auth import claimed_client_id
from .endpoints.introspection import IntrospectionEndpoint
from .endpoints.revocation import RevocationEndpoint
from .errors import UnsupportedGrantTypeError
from .grants.authorization_code import AuthorizationCodeGrant, OpenIDCodeExtension
from .grants.client_credentials import ClientCredentialsGrant
from .grants.refresh_token import RefreshTokenGrant
from .pkce import S256CodeChallenge
from .render import endpoint_error, json_response

TOKEN_ENDPOINT = "oidc.token"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class _HttpRequest(FlaskOAuth2Request):
    """Authlib's Flask request, located at the issuer's URL.

    Authlib refuses http URLs (InsecureTransportError); behind a TLS-terminating
    proxy ``request.url`` is http although clients use the https issuer.
    """

    def __init__(self, request):
        base = current_app.config["IDP"].issuer
        OAuth2Request.__init__(self, request.method, base + request.path, headers=request.headers)
        self._request = request
        self.payload = FlaskOAuth2Payload(request)
        self.sso = None


class StoredRequest(OAuth2Request):
    """An authorization request resumed from its stored interaction (parameters only)."""

    def __init__(self, params: dict):
        super().__init__("GET", current_app.config["IDP"].issuer + "/oauth2/authorize")
        self.payload = BasicOAuth2Payload(dict(params))
        self.sso = None

    @property
    def args(self):
        return self.payload.data

    @property
    def form(self):
        return {}


class AuthorizationServer(_FlaskAuthorizationServer):
    def query_client(self, client_id):
        if not client_auth.plausible_id(client_id):
            return None
        return client_cache.lookup(client_id)

    def authenticate_client(self, request, methods, endpoint="token"):
        """Every client authentication: failure limits, then Authlib's methods (client_auth.py)."""
        return client_auth.authenticate(super().authenticate_client, request, methods, endpoint)

    def save_token(self, token, request):
        pass  # each grant stores what it issues (grants/*.py)

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        return _HttpRequest(flask_request)

    def handle_response(self, status_code, payload, headers):
        if status_code == 200 and isinstance(payload, dict) and "access_token" in payload:
            count_token(str(flask_request.form.get("grant_type", "")))  # token responses only
        # RFC 6749 §5.1: token responses are never cached.
        return json_response(payload if isinstance(payload, dict) else {}, status_code,
                             dict(headers or ()))

    def handle_error_response(self, request, error):
        if flask_request.endpoint == TOKEN_ENDPOINT:
            return self.token_error(error, getattr(request, "client", None))
        return endpoint_error(error)

    def token_error(self, error, client=None):
        """The one place token-endpoint errors are rendered, and audited (reason only)."""
        if isinstance(error, UnsupportedGrantTypeError):  # its description echoes the input
            error.grant_type = error.grant_type if _SAFE_NAME.match(str(error.grant_type)) \
                else "(this value)"
        if client is None:  # not authenticated: name it only when it is a client we know
            client = self.query_client(claimed_client_id(flask_request))
        audit.record("token.refused", client_id=client.client_id if client else None,
                     outcome="failure", reason=error.error,
                     detail={"grant_type": str(flask_request.form.get("grant_type", ""))[:40],
                             "description": (error.get_error_description() or "")[:200]})
        return endpoint_error(error)

    def send_signal(self, name, *args, **kwargs):
        pass  # Authlib's Flask signals are unused; idp.events carries ours


def _build() -> AuthorizationServer:
    server = AuthorizationServer()
    # Ours: malformed Basic credentials are a failed authentication, not an exception, and
    # both secret methods check with the remembered verifier (client_auth.secret_matches).
    server.register_client_auth_method("client_secret_basic",
                                       client_auth.authenticate_client_secret_basic)
    server.register_client_auth_method("client_secret_post",
                                       client_auth.authenticate_client_secret_post)
    server.register_grant(AuthorizationCodeGrant,
                          [S256CodeChallenge(required=True), OpenIDCodeExtension()])
    server.register_grant(RefreshTokenGrant)
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(RevocationEndpoint)
    server.register_endpoint(IntrospectionEndpoint)
    return server


# Built once (registration is not per-app); bound to each app by init_app.
authorization = _build()


class _NoDebug(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def _silence_authlib_debug() -> None:
    """Authlib logs whole token responses at DEBUG ("Issue token %r"): never let them through.

    A filter on each of its loggers, not only a level, so an operator who turns every
    logger to DEBUG still gets no token in a log line.
    """
    logging.getLogger("authlib").setLevel(max(logging.INFO, logging.getLogger().level))
    names = [n for n in logging.Logger.manager.loggerDict if n == "authlib" or n.startswith("authlib.")]
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoDebug) for f in logger.filters):
            logger.addFilter(_NoDebug())


def init_app(app) -> None:
    """Bind the server to ``app`` and subscribe to the events it reacts to."""
    from . import subscribers

    _silence_authlib_debug()
    authorization.init_app(app)
    subscribers.connect()
