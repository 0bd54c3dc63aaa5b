"""Blueprint "oidc": parse the HTTP request, call one service, render.

The machine endpoints (authorize POST, token, revoke, introspect, userinfo)
are exempt from CSRF: clients authenticate themselves, they hold no cookie
session. The consent form is CSRF-protected.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, session
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField

from ..extensions import csrf
from ..keystore.jwks import jwks_cache_control
from ..sessions import store as sso
from . import authorize, consent, interaction, render
from .endpoints import discovery, userinfo
from .endpoints import jwks as jwks_endpoint
from .errors import InvalidRequestError, InvalidTokenError, OAuth2Error
from .server import StoredRequest, authorization

bp = Blueprint("oidc", __name__)
EXPIRED = ("This sign-in request has expired or was already completed. "
           "Return to the application and try again.")


@bp.route("/oauth2/authorize", methods=["GET", "POST"])
@csrf.exempt
def authorize_endpoint():
    return authorize.handle(authorization.create_oauth2_request(None))


@bp.app_errorhandler(interaction.ForeignInteraction)
def foreign_interaction(_error):
    """An interaction id opened from a browser that did not start it: a page, no redirect."""
    return render.error_page(interaction.ELSEWHERE, 403, "Continue in the browser you started in")


@bp.route("/oauth2/authorize/resume")
def resume():
    interaction_id = request.args.get("interaction", "")
    stored = interaction.load(interaction_id)
    if stored is None:
        return render.error_page(EXPIRED)
    return authorize.handle(StoredRequest(stored["params"]), interaction_id)


class ConsentForm(FlaskForm):
    interaction = HiddenField()
    allow = SubmitField("Allow")
    deny = SubmitField("Deny")


def _consenting_user(stored):
    """The signed-in person of this browser: only they can answer a consent page."""
    live = sso.get(session.get("sid"))
    return live.user_id if live and stored else None


@bp.route("/consent", methods=["GET", "POST"], endpoint="consent")
def consent_page():
    form = ConsentForm()
    interaction_id = request.values.get("interaction", "")[:128]
    stored = interaction.load(interaction_id)
    user_id = _consenting_user(stored)
    if user_id is None:
        return render.error_page(EXPIRED)
    if request.method == "GET" or not form.validate_on_submit():
        form.interaction.data = interaction_id
        status = 200 if request.method == "GET" else 400
        return render_template("consent/consent.html", form=form, client_name=stored["client_name"],
                               scopes=stored.get("scope", "").split()), status
    # Recorded for the person who answered; it counts for nobody else (interaction.py).
    if form.allow.data:
        consent.remember(user_id, stored["client_id"], stored.get("scope", ""))
        interaction.decide(interaction_id, stored, "consent", user_id)
    else:
        interaction.decide(interaction_id, stored, "denied", user_id)
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
