"""One place that renders failures: JSON for protocol/API endpoints, a page for people.

An ``IdPError`` (idp/errors.py) is shown with its status, ``error`` code, title and
public message; its private detail goes to the log only. Anything unexpected becomes
``server_error``, is logged with its traceback server-side, and the client sees no
detail.
"""

from __future__ import annotations

import logging

import psycopg
from flask import g, jsonify, render_template, request
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from ..errors import IdPError
from ..extensions import db, login_manager
from ..oidc.errors import AccessRefused
from ..ratelimit import RateLimited
from ..storage.store import StoreUnavailable

log = logging.getLogger("idp.errors")

# Blueprints (and path prefixes) that speak JSON rather than HTML.
API_BLUEPRINTS: set[str] = {"ops"}
API_PREFIXES = ("/oauth2/", "/api/", "/.well-known/", "/billing/notifications/")

_HTTP_ERRORS = {
    400: ("invalid_request", "Bad request", "The request could not be understood."),
    401: ("invalid_request", "Not signed in", "Please sign in."),
    403: ("access_denied", "Forbidden", "You are not allowed to do that."),
    404: ("not_found", "Not found", "There is nothing at this address."),
    405: ("invalid_request", "Method not allowed", "This address does not accept that method."),
    413: ("invalid_request", "Request too large", "The request is too large."),
    415: ("invalid_request", "Unsupported media type", "The request has the wrong content type."),
    # RFC 6749 has no rate-limit code: 429 (RFC 6585 §4) + temporarily_unavailable, see ratelimit.py.
    429: ("temporarily_unavailable", "Too many requests", "Too many attempts. Please wait and try again."),
}


# Endpoints under /oauth2/ that a person's browser is sent to: their failures are pages.
PEOPLE_ENDPOINTS = {"oidc.authorize_endpoint", "oidc.resume", "logout.end_session",
                    "logout.confirm"}


def wants_json() -> bool:
    if request.endpoint in PEOPLE_ENDPOINTS:
        return False
    return request.blueprint in API_BLUEPRINTS or request.path.startswith(API_PREFIXES)


def render_error(status: int, error: str, title: str, message: str, headers=None,
                 link: str | None = None, link_text: str | None = None):
    """Render one failure in the shape the caller speaks: JSON ``{error, error_description}``
    for endpoints, else THE error page (``link``: "Sign in again", or ``link_text``)."""
    if wants_json():
        response = jsonify(error=error, error_description=message)
    else:
        # Error pages show no user: never load one (the store may be what failed).
        g.setdefault("_login_user", login_manager.anonymous_user())
        response = render_template("errors/error.html", title=title, message=message, link=link,
                                   link_text=link_text)
    response = (response, status, headers or {})
    return response


def _unavailable(exc):
    log.error("dependency unavailable: %s", type(exc).__name__)
    db.session.rollback()
    return render_error(503, "temporarily_unavailable", "Temporarily unavailable",
                        "The service is temporarily unavailable. Please try again in a moment.",
                        {"Retry-After": "5", "Cache-Control": "no-store"})


def _bad_value(exc):
    # Postgres refused a value (a NUL byte in text, a number out of range): bad input, not ours.
    log.info("value refused by the database: %s", type(exc.orig).__name__ if exc.orig else "?")
    db.session.rollback()
    return render_error(400, "invalid_request", "Bad request", "The request contains a value "
                        "that cannot be accepted.", {"Cache-Control": "no-store"})


def _rate_limited(exc: RateLimited):
    from ..ops.metrics import count_rate_limited

    count_rate_limited(exc.kind)
    error, title, message = _HTTP_ERRORS[429]
    return render_error(429, error, title, message,
                        {"Retry-After": str(exc.retry_after), "Cache-Control": "no-store"})


def _idp_error(exc: IdPError):
    """The project's own errors: their public message, in the shape the caller speaks."""
    log.info("%s: %s%s", type(exc).__name__, exc.public[:200],
             f" ({exc.detail[:200]})" if exc.detail else "")
    db.session.rollback()
    # An error answer is never cached (RFC 9111 §5.2.2.5), whoever asked.
    return render_error(exc.status, exc.error, exc.title, exc.public,
                        {"Cache-Control": "no-store", **exc.headers})


def render_refusal(exc: AccessRefused):
    """The page of a refused authorization: why (the entitlement gate's Decision), and
    "Return to <client>" (our own resume URL: the client gets ``error=access_denied``)."""
    log.info("access refused: %s", exc.detail)
    html = render_template("errors/entitlement.html", decision=exc.decision,
                           client_name=exc.client_name, return_url=exc.return_url,
                           **_who_can_help(exc.decision))
    return html, exc.status, dict(exc.headers)


def _who_can_help(decision) -> dict:
    """Owners and admins get an "Upgrade" link to the plans; everyone else their owners."""
    from ..orgs.people import can_manage, owners

    entitlement = getattr(decision, "entitlement", None)
    if entitlement is None or entitlement.role is None or entitlement.organization_id is None:
        return {"can_upgrade": False, "owners": []}
    if can_manage(entitlement.role):
        return {"can_upgrade": True, "owners": []}
    return {"can_upgrade": False, "owners": owners(entitlement.organization_id)}


def register_error_handlers(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        error, title, message = _HTTP_ERRORS.get(code, ("invalid_request", exc.name, exc.name))
        if code == 400 and exc.description and "CSRF" in exc.description:
            message = "Your session expired or the form was tampered with. Please try again."
        headers = dict(exc.get_headers()) if code == 405 else {}
        headers.pop("Content-Type", None)
        return render_error(code, error, title, message, headers)

    app.register_error_handler(IdPError, _idp_error)
    app.register_error_handler(AccessRefused, render_refusal)
    app.register_error_handler(RateLimited, _rate_limited)
    app.register_error_handler(DataError, _bad_value)
    app.register_error_handler(StoreUnavailable, _unavailable)
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(psycopg.OperationalError, _unavailable)  # storage/hot.py
    app.register_error_handler(PoolTimeout, _unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500, "server_error", "Something went wrong",
                            "An unexpected error occurred. It has been logged.")
