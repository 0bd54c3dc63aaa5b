"""OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2), built from the issuer."""

from __future__ import annotations

from flask import current_app

from ... import i18n
from ...keystore.keys import SUPPORTED_ALGS
from ..claims import ACR_VALUES_SUPPORTED, CLAIMS_SUPPORTED, SCOPES_SUPPORTED
from ..render import Document

CACHE_SECONDS = 3600


def document() -> Document:
    """The metadata serialised once per app: it depends on the issuer and constants only."""
    held = current_app.extensions.get("idp.discovery_document")
    if held is None:
        held = current_app.extensions["idp.discovery_document"] = Document.of(metadata())
    return held


def prepared(app) -> tuple[bytes, str, str] | None:
    """The bytes, once a request has built them (web/loop_routes.py serves them)."""
    held = app.extensions.get("idp.discovery_document")
    return None if held is None else (held.body, held.etag, f"public, max-age={CACHE_SECONDS}")


def metadata() -> dict:
    """The discovery document; every URL from the configured issuer, never the request host."""
    iss = current_app.config["IDP"].issuer
    return {
        "issuer": iss,
        "authorization_endpoint": f"{iss}/oauth2/authorize",
        "token_endpoint": f"{iss}/oauth2/token",
        "userinfo_endpoint": f"{iss}/oauth2/userinfo",
        "jwks_uri": f"{iss}/.well-known/jwks.json",
        "revocation_endpoint": f"{iss}/oauth2/revoke",
        "introspection_endpoint": f"{iss}/oauth2/introspect",
        "end_session_endpoint": f"{iss}/oauth2/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(SUPPORTED_ALGS),
        "scopes_supported": SCOPES_SUPPORTED,
        "claims_supported": CLAIMS_SUPPORTED,
        # OpenID Connect Discovery 1.0 §3: the languages of our pages (BCP 47).
        "ui_locales_supported": list(i18n.SUPPORTED),
        "acr_values_supported": ACR_VALUES_SUPPORTED,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                  "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic",
                                                       "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }
