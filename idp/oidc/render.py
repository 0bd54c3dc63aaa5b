"""One renderer for protocol outcomes.

- Authorization responses and errors go to the *verified* redirect URI, with
  ``state`` and ``iss`` (RFC 9207 §2), in the response mode asked for (query,
  or form_post per OAuth 2.0 Form Post Response Mode).
- An authorization error whose redirect URI is not verified (unknown client,
  unregistered or missing redirect_uri) is never a redirect (RFC 6749 §4.1.2.1): it is
  raised as ``RequestCannotContinue``, a page by the one error-page renderer.
- Endpoint errors are JSON with the RFC status and ``Cache-Control: no-store``
  (RFC 6749 §5.1, §5.2); invalid_client is 401 with ``WWW-Authenticate: Basic``.

Authlib's IssuerParameter extension only rewrites ``Location`` headers, so it
cannot add ``iss`` to form_post responses or to our error redirects: done here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import orjson

from authlib.common.urls import add_params_to_uri
from flask import Response, current_app, render_template, request

from .errors import (
    NO_STORE,
    InvalidClientError,
    OAuth2Error,
    RequestCannotContinue,
    TemporarilyUnavailableError,
)

RESPONSE_MODES = ("query", "form_post")


def issuer() -> str:
    return current_app.config["IDP"].issuer


def authorization_response(redirect_uri: str, params: list[tuple[str, str]],
                           response_mode: str = "query") -> Response:
    """Send ``params`` (plus ``iss``) to the client's redirect URI."""
    params = [(k, v) for k, v in params if v is not None] + [("iss", issuer())]
    if response_mode == "form_post":
        html = render_template("oidc/form_post.html", action=redirect_uri, params=params)
        # The page's own CSP: its one script is a static file that submits the form.
        csp = "default-src 'none'; script-src 'self'; style-src 'self'; form-action *"
        return Response(html, 200, {"Content-Security-Policy": csp, **NO_STORE},
                        mimetype="text/html")
    location = add_params_to_uri(redirect_uri, params)
    return Response("", 302, {"Location": location, **NO_STORE})


def authorize_error(error: OAuth2Error, response_mode: str = "query") -> Response:
    """An authorization error: to the verified redirect URI; else RequestCannotContinue."""
    if not error.redirect_uri:
        raise RequestCannotContinue(error.get_error_description() or error.error,
                                    detail=error.error)
    params = [("error", error.error), ("error_description", error.get_error_description()),
              ("state", error.state)]
    mode = response_mode if response_mode in RESPONSE_MODES else "query"
    return authorization_response(error.redirect_uri, params, mode)


def json_response(body: dict, status: int = 200, headers=None) -> Response:
    # orjson: ~5 µs for a token response against ~45 with json (docs/performance.md).
    out = Response(orjson.dumps(body), status, mimetype="application/json")
    out.headers.update(NO_STORE)
    for key, value in dict(headers or {}).items():
        if key.lower() not in ("content-type", "cache-control", "pragma"):
            out.headers[key] = value
    return out


def endpoint_error(error: OAuth2Error) -> Response:
    """JSON {error, error_description} for token, revocation, introspection, userinfo."""
    body = {"error": error.error}
    description = error.get_error_description()
    if description:
        body["error_description"] = description
    status = error.status_code or 400
    headers = {}
    if isinstance(error, InvalidClientError):
        # RFC 6749 §5.2: 401 and a WWW-Authenticate matching the scheme used (Basic).
        status = 401
        headers["WWW-Authenticate"] = 'Basic realm="token", error="invalid_client"'
    if isinstance(error, TemporarilyUnavailableError):
        headers["Retry-After"] = str(error.retry_after)  # RFC 9110 §10.2.3
    return json_response(body, status, headers)


@dataclass(frozen=True)
class Document:
    """A public JSON document serialised once: its bytes and their entity tag."""

    body: bytes
    etag: str  # unquoted; a digest of the body, so every worker gives the same one

    @classmethod
    def of(cls, content: dict) -> Document:
        body = json.dumps(content).encode()
        return cls(body, hashlib.sha256(body).hexdigest()[:32])


def public_document(doc: Document, cache_control: str) -> Response:
    """Serve ``doc`` with ``Cache-Control`` and ``ETag``; 304 when the caller holds it.

    RFC 9110 §13.1.2: If-None-Match uses the weak comparison; §15.4.5: a 304
    carries the ETag and Cache-Control a 200 would have had.
    """
    headers = {"Cache-Control": cache_control, "ETag": f'"{doc.etag}"'}
    if request.headers.get("If-None-Match") and request.if_none_match.contains_weak(doc.etag):
        return Response(status=304, headers=headers)
    return Response(doc.body, 200, headers, mimetype="application/json")
