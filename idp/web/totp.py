"""Second-factor pages: the code step of a login, and TOTP enrolment.

Enrolment serves a signed-in person, or a person whose organisation requires
a second factor and who has just given their password (a parked login, not
a session): for them it is the last step of signing in.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from .. import audit, ratelimit
from ..accounts import login as login_service
from ..accounts import pending, totp
from ..extensions import db
from ..storage.models import User
from .auth import locked_response, next_url, start_session, take_next
from .errors import render_error
from .i18n import N_, _

bp = Blueprint("totp", __name__)

WRONG_CODE = N_("That code is not valid. Please try again.")
EXPIRED = N_("Your sign-in expired. Please sign in again.")


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=64)])


def _expired():
    session.pop("mfa", None)
    return render_error(400, "invalid_request", N_("Sign-in expired"), EXPIRED,
                        link=url_for("auth.login"))


@bp.route("/login/totp", methods=["GET", "POST"])
def verify():
    form, token = CodeForm(), session.get("mfa")
    if pending.load(token, "otp") is None:
        return _expired()
    if request.method == "GET":
        return render_template("account/totp_verify.html", form=form)
    if not form.validate_on_submit():
        return render_template("account/totp_verify.html", form=form, error=_(WRONG_CODE)), 400
    outcome = login_service.second_factor_step(token, form.code.data, request.remote_addr)
    if outcome.status == "expired":
        return _expired()
    if outcome.status == "locked":
        return locked_response("account/totp_verify.html", outcome.retry_after, form=form)
    if outcome.status == "failed":
        return render_template("account/totp_verify.html", form=form, error=_(WRONG_CODE)), 401
    target = take_next()  # start_session starts a fresh browser session
    start_session(outcome.user, ["pwd", "otp"])
    return redirect(next_url(outcome.interaction, target))


def _enrolling_user() -> tuple[User | None, dict | None]:
    """The person enrolling: signed in, or parked by a login that requires enrolment."""
    if current_user.is_authenticated:
        return current_user, None
    state = pending.load(session.get("mfa"), "enrol")
    user = db.session.get(User, state["user_id"]) if state else None
    return (user, state) if user is not None and not user.disabled else (None, None)


@bp.route("/account/totp", methods=["GET", "POST"])
def enrol():
    user, state = _enrolling_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if state is None and totp.has_totp(user.id):
        return render_template("account/totp_enabled.html",
                               remaining=totp.unused_recovery_codes(user.id))
    form = CodeForm()
    if request.method == "POST":
        return _confirm(form, user, state)
    return _enrol_page(form, user)


def _enrol_page(form, user, error=None, status=200):
    secret = totp.pending_secret(user.id)
    uri = totp.provisioning_uri(user, secret)
    return render_template("account/totp_enrol.html", form=form, secret=secret,
                           qr=totp.qr_data_uri(uri), required=not current_user.is_authenticated,
                           error=error), status


def _confirm(form, user, state):
    if not form.validate_on_submit():
        return _enrol_page(form, user, _(WRONG_CODE), 400)
    settings = current_app.config["IDP"]
    allowed, retry_after = ratelimit.hit(f"totp-enrol:{user.id}", settings.totp_max_attempts,
                                         settings.login_failure_window)
    if not allowed:
        return locked_response("account/totp_enrol.html", retry_after, form=form, secret="",
                               qr="", required=state is not None)
    codes = totp.confirm_enrolment(user.id, form.code.data)
    if codes is None:
        audit.record("totp.failed", user_id=user.id, outcome="failure", reason="enrolment_code")
        return _enrol_page(form, user, _(WRONG_CODE), 400)
    audit.record("totp.enrolled", user_id=user.id, outcome="success")
    target = url_for("auth.signed_in")
    if state is not None:  # the required enrolment was the last step of a login
        if pending.take(session.get("mfa")) is None:
            return _expired()
        login_service.succeeded(user, ["pwd", "otp"], request.remote_addr)
        asked = take_next()
        start_session(user, ["pwd", "otp"])
        target = next_url(state["interaction"], asked)
    # Shown once: nothing stores the plain codes.
    return render_template("account/totp_codes.html", codes=codes, next=target)
