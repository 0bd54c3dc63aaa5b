"""RP-Initiated Logout 1.0 for people: /oauth2/logout and its confirmation page.

The protocol is oidc/endpoints/end_session.py (validate the request, decide whether
to ask, end the SSO session, choose the redirect); these views parse the HTTP request,
hand it to that code, clear this browser's own session and render the pages. The RP's
GET or POST is exempt from CSRF (it comes from another site by design); when no
verified id_token_hint proves who asks, nothing ends until the person confirms on a
CSRF-protected form. A request that cannot be honoured is a ``LogoutRequestError``,
shown by the one error-page renderer (web/errors.py).
"""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, session
from flask_login import logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from ..extensions import csrf
from ..oidc.endpoints import end_session as rp_logout
from ..sessions import store as sso
from .i18n import N_

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
    logout = rp_logout.parse(request.args if request.method == "GET" else request.form)
    live = sso.get(session.get("sid"))
    if rp_logout.needs_confirmation(logout, live):
        return _no_store(render_template("logout/confirm.html", form=_form(logout),
                                         client=logout.client))
    return _finish(logout, live)


@bp.route("/oauth2/logout/confirm", methods=["POST"])
@csrf.exempt  # the form checks its own CSRF token, so a failure gets a page, not JSON
def confirm():
    form = ConfirmLogoutForm()
    if not form.validate_on_submit():
        raise rp_logout.LogoutRequestError(
            N_("The sign-out form expired or was tampered with. Please try again."))
    logout = rp_logout.parse({name: form[name].data for name in rp_logout.CARRIED})
    return _finish(logout, sso.get(session.get("sid")))


def _form(logout: rp_logout.LogoutRequest) -> ConfirmLogoutForm:
    form = ConfirmLogoutForm(formdata=None)
    for name, value in logout.params.items():
        form[name].data = value
    return form


def _finish(logout: rp_logout.LogoutRequest, live):
    """End the session (the protocol's step), forget this browser's, then redirect or say goodbye."""
    target = rp_logout.end(logout, live)
    logout_user()
    session.clear()
    if target:
        return _no_store(redirect(target))
    return _no_store(render_template("logout/signed_out.html", client=logout.client,
                                     refused=logout.redirect_refused))


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response
