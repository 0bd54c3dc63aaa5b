"""Typed OAuth 2.0 / OIDC errors: Authlib's classes, plus the few it lacks.

Each carries the spec ``error`` code and a public description; ``render.py``
decides how it is shown (redirect or JSON). What can only be answered with a page for
the person — no verified redirect URI to send the error to — is an ``IdPError``
raised here and rendered by the one error-page renderer (web/errors.py).
"""

from authlib.oauth2.rfc6749.errors import (  # noqa: F401  (re-exported)
    AccessDeniedError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6750.errors import InsufficientScopeError  # noqa: F401
from authlib.oidc.core.errors import (  # noqa: F401
    ConsentRequiredError,
    InteractionRequiredError,
    LoginRequiredError,
    RegistrationNotSupportedError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)

from ..errors import IdPError
from ..i18n import N_


class InvalidTokenError(OAuth2Error):
    """RFC 6750 §3.1: the access token is missing, expired, revoked or not ours."""

    error = "invalid_token"
    status_code = 401


NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class RequestCannotContinue(IdPError):
    """An authorization that can be answered only with a page (RFC 6749 §4.1.2.1: never a
    redirect to an unverified URI): malformed, unknown client, expired interaction."""

    headers = NO_STORE


class AccessRefused(IdPError):
    """The entitlement gate refused the authorization (DESIGN "Entitlement gate"): the person
    sees why; "Return to <client>" (``return_url``) resumes into ``error=access_denied``."""

    status = 403
    error = "access_denied"
    title = N_("Access not included")
    headers = NO_STORE

    def __init__(self, decision, client_name: str | None, return_url: str | None):
        super().__init__(decision.description, detail=decision.reason)
        self.decision, self.client_name, self.return_url = decision, client_name, return_url


class InvalidTargetError(OAuth2Error):
    """RFC 8707 §2: a ``resource`` the grant does not cover (here: outside the plan)."""

    error = "invalid_target"
    status_code = 400


class TemporarilyUnavailableError(OAuth2Error):
    """RFC 6749 §5.2 has no code for a transient state; ``temporarily_unavailable``
    (RFC 6749 §4.1.2.1) with 503 and Retry-After tells the client to try again — unlike
    invalid_grant, which relying-party libraries treat as final."""

    error = "temporarily_unavailable"
    status_code = 503

    def __init__(self, description=None, retry_after: int = 1):
        super().__init__(description=description)
        self.retry_after = max(1, int(retry_after))
