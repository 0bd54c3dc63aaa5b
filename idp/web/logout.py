"""RP-Initiated Logout 1.0: the end_session_endpoint (/oauth2/logout) and its confirmation.

The RP's GET or POST is exempt from CSRF (it comes from another site by
design); when no verified id_token_hint proves who asks, nothing ends until
the person confirms on a CSRF-protected form.
"""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, session
from flask_login import logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from ..extensions import csrf
from ..sessions import service
from ..sessions import store as sso
from ..sessions.rp_logout import CARRIED, LogoutRequest, LogoutRequestError, parse

bp = Blueprint("logout", __name__)


class ConfirmLogoutForm(FlaskForm):
    id_token_hint = HiddenField()
    client_id = HiddenField()
    post_logout_redirect_uri = HiddenField()
    state = HiddenField()


@bp.route("/oauth2/logout", methods=["GET", "POST"])
@csrf.exempt
def end_session():
    # §2: GET uses the query string, POST the form body.
    params = request.args if request.method == "GET" else request.form
    try:
        logout = parse(params)
    except LogoutRequestError as exc:
        return _refused(str(exc))
    live = sso.get(session.get("sid"))
    if live is not None and not logout.proves_user(live.user_id):
        return _no_store(render_template("logout/confirm.html", form=_form(logout),
                                         client=logout.client))
    return _finish(logout, live)


@bp.route("/oauth2/logout/confirm", methods=["POST"])
@csrf.exempt  # the form checks its own CSRF token, so a failure gets a page, not JSON
def confirm():
    form = ConfirmLogoutForm()
    if not form.validate_on_submit():
        return _refused("The sign-out form expired or was tampered with. Please try again.")
    try:
        logout = parse({name: form[name].data for name in CARRIED})
    except LogoutRequestError as exc:
        return _refused(str(exc))
    return _finish(logout, sso.get(session.get("sid")))


def _form(logout: LogoutRequest) -> ConfirmLogoutForm:
    form = ConfirmLogoutForm(formdata=None)
    for name, value in logout.params.items():
        form[name].data = value
    return form


def _finish(logout: LogoutRequest, live):
    """End this browser's session (if any), then redirect to a verified URI or say goodbye."""
    if live is not None:
        service.end_session(live.sid, reason=service.LOGOUT)
    logout_user()
    session.clear()
    target = logout.redirect_target()
    if target:
        return _no_store(redirect(target))
    return _no_store(render_template("logout/signed_out.html", client=logout.client,
                                     refused=logout.redirect_refused))


def _refused(message: str):
    return _no_store((render_template("errors/error.html", title="Sign-out request not valid",
                                      message=message), 400))


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response
