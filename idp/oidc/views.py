"""Blueprint "oidc": the protocol endpoints — parse the HTTP request, call one service, render.

The machine endpoints (authorize POST, token, revoke, introspect, userinfo)
are exempt from CSRF: clients authenticate themselves, they hold no cookie
session. The pages for people that /authorize hands off to (login, consent, the
organisation picker) are in web/; they hand back through ``resume``.
"""

from __future__ import annotations

from flask import Blueprint, request

from ..extensions import csrf
from ..keystore.jwks import jwks_cache_control
from . import authorize, interaction, render
from .endpoints import discovery, userinfo
from .endpoints import jwks as jwks_endpoint
from .errors import InvalidRequestError, InvalidTokenError, OAuth2Error, RequestCannotContinue
from .server import StoredRequest, authorization

bp = Blueprint("oidc", __name__)


@bp.route("/oauth2/authorize", methods=["GET", "POST"])
@csrf.exempt
def authorize_endpoint():
    return authorize.handle(authorization.create_oauth2_request(None))


@bp.route("/oauth2/authorize/resume")
def resume():
    """A page for people hands the authorization request back here (by interaction id)."""
    interaction_id = request.args.get("interaction", "")
    stored = interaction.load(interaction_id)
    if stored is None:
        raise RequestCannotContinue(interaction.EXPIRED)
    return authorize.handle(StoredRequest(stored["params"]), interaction_id)


@bp.route("/oauth2/token", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@csrf.exempt
def token():
    if request.method != "POST":  # RFC 6749 §3.2: POST only
        return render.json_response({"error": "invalid_request",
                                     "error_description": "Use POST."}, 405, {"Allow": "POST"})
    if not request.form.get("grant_type"):  # RFC 6749 §5.2: a missing parameter
        return authorization.token_error(InvalidRequestError("Missing grant_type."))
    repeated = _repeated(request.form)
    if repeated:
        return authorization.token_error(repeated)
    return authorization.create_token_response()


REPEATABLE = {"resource"}  # RFC 8707 §2: resource may be sent several times


def _repeated(form) -> InvalidRequestError | None:
    """RFC 6749 §3.2: parameters MUST NOT be included more than once (RFC 8707 aside)."""
    repeated = sorted(k for k in form if len(form.getlist(k)) > 1 and k not in REPEATABLE)
    if repeated:
        name = repeated[0] if repeated[0].isidentifier() and repeated[0].isascii() else "a parameter"
        return InvalidRequestError(f"Repeated {name[:40]}.")
    return None


def _once(form):
    error = _repeated(form)
    return render.endpoint_error(error) if error else None


@bp.route("/oauth2/revoke", methods=["POST"])
@csrf.exempt
def revoke():
    return _once(request.form) or authorization.create_endpoint_response("revocation")


@bp.route("/oauth2/introspect", methods=["POST"])
@csrf.exempt
def introspect():
    return _once(request.form) or authorization.create_endpoint_response("introspection")


@bp.route("/oauth2/userinfo", methods=["GET", "POST"])
@csrf.exempt
def userinfo_endpoint():
    try:
        token = userinfo.bearer_token(request.headers, request.form, request.method)
        return render.json_response(userinfo.userinfo(token))
    except OAuth2Error as error:
        return _bearer_error(error)


def _bearer_error(error: OAuth2Error):
    """RFC 6750 §3: the error in WWW-Authenticate as well as the body."""
    status = error.status_code or 400
    if isinstance(error, InvalidTokenError):
        status = 401
    description = (error.get_error_description() or "").replace('"', "'")
    challenge = f'Bearer error="{error.error}", error_description="{description}"'
    return render.json_response({"error": error.error, "error_description": description},
                                status, {"WWW-Authenticate": challenge})


@bp.route("/.well-known/openid-configuration")
def openid_configuration():
    return render.public_document(discovery.document(), f"public, max-age={discovery.CACHE_SECONDS}")


@bp.route("/.well-known/jwks.json")
def jwks():
    return render.public_document(jwks_endpoint.document(), jwks_cache_control())
