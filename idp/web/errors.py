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
from ..i18n import N_, gettext
from ..extensions import db, login_manager
from ..oidc.errors import AccessRefused
from ..ratelimit import RateLimited
from ..storage.store import StoreUnavailable

log = logging.getLogger("idp.errors")

# Blueprints (and path prefixes) that speak JSON rather than HTML.
API_BLUEPRINTS: set[str] = {"ops"}
API_PREFIXES = ("/oauth2/", "/api/", "/.well-known/", "/billing/notifications/")

_HTTP_ERRORS = {
    400: ("invalid_request", N_("Bad request"), N_("The request could not be understood.")),
    401: ("invalid_request", N_("Not signed in"), N_("Please sign in.")),
    403: ("access_denied", N_("Forbidden"), N_("You are not allowed to do that.")),
    404: ("not_found", N_("Not found"), N_("There is nothing at this address.")),
    405: ("invalid_request", N_("Method not allowed"), N_("This address does not accept that method.")),
    413: ("invalid_request", N_("Request too large"), N_("The request is too large.")),
    415: ("invalid_request", N_("Unsupported media type"), N_("The request has the wrong content type.")),
    # RFC 6749 has no rate-limit code: 429 (RFC 6585 §4) + temporarily_unavailable, see ratelimit.py.
    429: ("temporarily_unavailable", N_("Too many requests"), N_("Too many attempts. Please wait and try again.")),
}


# Endpoints under /oauth2/ that a person's browser is sent to: their failures are pages.
PEOPLE_ENDPOINTS = {"oidc.authorize_endpoint", "oidc.resume", "logout.end_session",
                    "logout.confirm"}


def wants_json() -> bool:
    if request.endpoint in PEOPLE_ENDPOINTS:
        return False
    return request.blueprint in API_BLUEPRINTS or request.path.startswith(API_PREFIXES)


def render_error(status: int, error: str, title: str, message: str, headers=None,
                 link: str | None = None, link_text: str | None = None,
                 foreign: bool = False):
    """Render one failure in the shape the caller speaks: JSON ``{error, error_description}``
    for endpoints, else THE error page (``link``: "Sign in again", or ``link_text``).

    ``message`` is a catalogue msgid (N_) or a sentence already in the person's language;
    ``foreign``: it may be a library's English words, which a non-English page replaces."""
    if wants_json():
        # Sent to a client: English, as RFC 6749 §5.2 expects of error_description.
        response = jsonify(error=error, error_description=str(message))
    else:
        # Error pages show no user: never load one (the store may be what failed).
        g.setdefault("_login_user", login_manager.anonymous_user())
        # For a person: the sentence in their language (the catalogue's, when it has it).
        response = render_template("errors/error.html", title=gettext(str(title)),
                                   link=link, link_text=link_text,
                                   **_page_message(str(message), foreign))
    response = (response, status, headers or {})
    return response


def _page_message(message: str, foreign: bool) -> dict:
    """The sentence for a person. One the catalogue lacks (a protocol library's words about a
    malformed request) becomes a sentence in their language, the original kept as a detail
    for the application's developers."""
    from .. import i18n

    translated = gettext(message)
    if foreign and translated == message and i18n.locale() != "en":
        return {"message": gettext("The application sent a request that cannot be handled. "
                                   "Return to it and try again."), "detail": message}
    return {"message": translated, "detail": None}


def _unavailable(exc):
    log.error("dependency unavailable: %s", type(exc).__name__)
    db.session.rollback()
    return render_error(503, "temporarily_unavailable", N_("Temporarily unavailable"),
                        N_("The service is temporarily unavailable. Please try again in a "
                           "moment."),
                        {"Retry-After": "5", "Cache-Control": "no-store"})


def _bad_value(exc):
    # Postgres refused a value (a NUL byte in text, a number out of range): bad input, not ours.
    log.info("value refused by the database: %s", type(exc.orig).__name__ if exc.orig else "?")
    db.session.rollback()
    return render_error(400, "invalid_request", N_("Bad request"), N_(
        "The request contains a value that cannot be accepted."), {"Cache-Control": "no-store"})


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
                        {"Cache-Control": "no-store", **exc.headers}, foreign=True)


def render_refusal(exc: AccessRefused):
    """The page of a refused authorization: why (the entitlement gate's Decision), and
    "Return to <client>" (our own resume URL: the client gets ``error=access_denied``)."""
    log.info("access refused: %s", exc.detail)
    html = render_template("errors/entitlement.html", decision=exc.decision,
                           reason=refusal_sentence(exc.decision),
                           client_name=exc.client_name, return_url=exc.return_url,
                           **_who_can_help(exc.decision))
    return html, exc.status, dict(exc.headers)


def refusal_sentence(decision) -> str:
    """orgs/messages.py's sentence for a refusal, in the person's language (the English one
    goes to the client as error_description)."""
    from .. import i18n
    from ..orgs import messages

    if decision.reason == "product_not_in_plan":
        return gettext("%(product)s is not included in your organisation's plan.",
                       product=decision.product_name or "")
    if decision.reason == "expired":
        if decision.ended_at is not None:
            zone = getattr(decision.entitlement, "timezone", None)
            return gettext("Your organisation's plan ended on %(date)s.",
                           date=i18n.date(decision.ended_at, zone))
        return gettext("Your organisation's plan has ended.")
    return gettext(messages.TEXTS.get(decision.reason, N_("Access is not allowed.")))


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
            message = N_("Your session expired or the form was tampered with. Please try again.")
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
        return render_error(500, "server_error", N_("Something went wrong"),
                            N_("An unexpected error occurred. It has been logged."))
