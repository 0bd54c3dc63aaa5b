"""Passkey pages: "Sign in with a passkey" on the login page, and the security page where a
signed-in person adds, renames and removes passkeys.

The rules live in accounts/passkeys.py; these views parse, call it, render. The browser
side is static/passkeys.js (the only script these pages load): it asks for options as
JSON, runs the WebAuthn ceremony, and posts the result in an ordinary form, so every
outcome is an ordinary page (or redirect) rendered here.
"""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from .. import ratelimit
from ..accounts import passkeys, totp
from ..accounts.passkeys import PasskeyError
from ..oidc import interaction as interactions
from ..sessions import store as sso
from . import i18n
from .auth import LoginForm, next_url, start_session
from .headers import CSP
from .i18n import N_, _

bp = Blueprint("passkeys", __name__)
bp.context_processor(i18n.context)

# Pages that carry the passkey script: our script and fetches to ourselves, nothing inline.
PASSKEY_CSP = CSP + "; script-src 'self'; connect-src 'self'"
# Ceremonies begun per IP per minute (each stores a challenge for 5 minutes). Every login page
# view begins one (conditional UI), so an office behind one address needs room.
OPTIONS_PER_MINUTE = 120
CREDENTIAL_MAX = 16_384  # characters of a credential's JSON
# Adding a passkey gives lasting access: only within this long of signing in (a borrowed or
# stolen session cookie cannot plant one after the fact).
REAUTH_SECONDS = 15 * 60
SIGN_IN_AGAIN = N_("For your security, sign in again to add a passkey.")


def passkey_script() -> str:
    """Template global: the URL of passkeys.js; marks the page as one that runs it (its CSP)."""
    g.passkey_page = True
    return url_for("auth.static", filename="passkeys.js")


bp.add_app_template_global(passkey_script, "passkey_script")


@bp.after_app_request
def _csp(response):
    if g.get("passkey_page") and response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = PASSKEY_CSP
    return response


def _binding(create: bool = False) -> str | None:
    return interactions.browser_binding(create=create)


def _too_many():
    allowed, retry_after = ratelimit.hit(f"passkey-options:{request.remote_addr}",
                                         OPTIONS_PER_MINUTE, 60)
    return None if allowed else retry_after


def _json_error(status: int, message: str, headers=None):
    return jsonify(error="invalid_request", error_description=message), status, headers or {}


# --- sign-in ---------------------------------------------------------------------------------

class PasskeyLoginForm(FlaskForm):
    ceremony = HiddenField(validators=[DataRequired(), Length(max=64)])
    credential = HiddenField(validators=[DataRequired(), Length(max=CREDENTIAL_MAX)])
    interaction = HiddenField(validators=[Length(max=128)])


LOGIN_MESSAGES = {
    "expired": N_("The passkey sign-in took too long or was already used. Please try again."),
    "elsewhere": N_("This passkey sign-in was started in another browser or for another request. "
                 "Please try again from this page."),
    "unknown": N_("This passkey is not registered here (it may have been removed). "
               "Please sign in another way."),
    "locked": N_("This passkey is locked because it may have been copied. Sign in another way, "
              "remove it from your security page and add a new one."),
}
LOGIN_MESSAGES["cloned"] = LOGIN_MESSAGES["locked"]
NOT_VERIFIED = N_("That passkey could not be verified. Please try again or sign in another way.")
STATUS = {"expired": 400, "elsewhere": 403}


@bp.post("/login/passkey/options")
def login_options():
    """PublicKeyCredentialRequestOptions (JSON) for a username-less sign-in from this page."""
    wait = _too_many()
    if wait:
        return _json_error(429, _("Too many attempts. Please wait a moment and try again."),
                           {"Retry-After": str(wait)})
    body = request.get_json(silent=True)
    interaction_id = (body.get("interaction") or "") if isinstance(body, dict) else ""
    if not isinstance(interaction_id, str) or len(interaction_id) > 128:
        return _json_error(400, _("Bad request"))
    if interaction_id:
        try:
            interactions.load(interaction_id)  # another browser's interaction: refused
        except interactions.ForeignInteraction as exc:
            return _json_error(403, _(exc.public))
    ceremony, options = passkeys.authentication_options(_binding(create=True), interaction_id)
    return jsonify(ceremony=ceremony, publicKey=options), 200, {"Cache-Control": "no-store"}


@bp.post("/login/passkey")
def login():
    """Finish a passkey sign-in, then continue exactly as a password login does."""
    form = PasskeyLoginForm()
    interaction_id = (form.interaction.data or "")[:128]
    if not form.validate_on_submit():
        return _login_page(interaction_id, _("Your session expired or the form was tampered "
                                             "with. Please try again.")
                           if "csrf_token" in form.errors else _(NOT_VERIFIED), 400)
    if interaction_id:
        interactions.load(interaction_id)  # ForeignInteraction: its page, and no login
    try:
        response = json.loads(form.credential.data)
        signed_in = passkeys.authenticate(form.ceremony.data, _binding(), interaction_id,
                                          response, request.remote_addr)
    except (ValueError, RecursionError):  # RecursionError: [[[[… nested too deep
        return _login_page(interaction_id, _(NOT_VERIFIED), 400)
    except PasskeyError as exc:
        return _login_page(interaction_id, _(LOGIN_MESSAGES.get(exc.reason, NOT_VERIFIED)),
                           STATUS.get(exc.reason, 401))
    from ..accounts import login as login_service

    login_service.succeeded(signed_in.user, signed_in.amr, request.remote_addr)
    start_session(signed_in.user, signed_in.amr, signed_in.acr)
    return redirect(next_url(signed_in.interaction))


def _login_page(interaction_id: str, error: str, status: int):
    form = LoginForm(formdata=None)
    form.interaction.data = interaction_id
    return render_template("auth/login.html", form=form, error=error), status


# --- the security page -----------------------------------------------------------------------

class AddPasskeyForm(FlaskForm):
    ceremony = HiddenField(validators=[DataRequired(), Length(max=64)])
    credential = HiddenField(validators=[DataRequired(), Length(max=CREDENTIAL_MAX)])
    name = StringField(validators=[Length(max=200)])


class RenameForm(FlaskForm):
    name = StringField(validators=[DataRequired(), Length(max=200)])


class RemoveForm(FlaskForm):
    pass


REGISTER_MESSAGES = {
    "expired": N_("Adding the passkey took too long. Please try again."),
    "elsewhere": N_("Adding the passkey was started in another browser. Please try again here."),
    "duplicate": N_("This passkey is already registered."),
    "too_many": N_("You have reached the maximum number of passkeys. Remove one first."),
}
CHANGE_MESSAGES = {
    "last_factor": N_("Your organisation requires two-step verification: you cannot remove your "
                   "last passkey. Add another passkey or set up an authenticator app first."),
    "not_found": N_("That passkey no longer exists."),
    "name_missing": N_("Please give the passkey a name."),
}


def _signed_in():
    return current_user if current_user.is_authenticated else None


@bp.get("/account/security")
def security():
    user = _signed_in()
    if user is None:
        return redirect(url_for("auth.login"))
    return _security_page(user)


def _recent() -> bool:
    """Whether this browser's person signed in within REAUTH_SECONDS."""
    live = sso.get(session.get("sid"), touch=False)
    return live is not None and live.age() <= REAUTH_SECONDS


def _security_page(user, error: str | None = None, status: int = 200):
    return render_template("account/security.html", passkeys=passkeys.list_for(user.id),
                           has_totp=totp.has_totp(user.id), required=totp.required_for(user.id),
                           recent=_recent(), add=AddPasskeyForm(formdata=None), error=error), status


@bp.post("/account/security/passkeys/options")
def register_options():
    """PublicKeyCredentialCreationOptions (JSON) for adding a passkey to the signed-in person."""
    user = _signed_in()
    if user is None:
        return _json_error(401, _("Please sign in again."))
    if not _recent():
        return _json_error(403, _(SIGN_IN_AGAIN))
    wait = _too_many()
    if wait:
        return _json_error(429, _("Too many attempts. Please wait a moment and try again."),
                           {"Retry-After": str(wait)})
    try:
        ceremony, options = passkeys.registration_options(user, _binding(create=True))
    except PasskeyError as exc:
        return _json_error(409, _(REGISTER_MESSAGES.get(exc.reason, NOT_VERIFIED)))
    return jsonify(ceremony=ceremony, publicKey=options), 200, {"Cache-Control": "no-store"}


@bp.post("/account/security/passkeys")
def register():
    user = _signed_in()
    if user is None:
        return redirect(url_for("auth.login"))
    form = AddPasskeyForm()
    if not _recent():
        return _security_page(user, _(SIGN_IN_AGAIN), 403)
    if not form.validate_on_submit():
        return _security_page(user, _("The passkey could not be added. Please try again."), 400)
    try:
        response = json.loads(form.credential.data)
        row = passkeys.register(user, form.ceremony.data, _binding(), response, form.name.data,
                                request.remote_addr)
    except (ValueError, RecursionError):  # RecursionError: [[[[… nested too deep
        return _security_page(user, _("The passkey could not be added. Please try again."), 400)
    except PasskeyError as exc:
        message = REGISTER_MESSAGES.get(exc.reason,
                                        N_("The passkey could not be added. Please try again."))
        return _security_page(user, _(message), 403 if exc.reason == "elsewhere" else 400)
    flash(_("Passkey “%(name)s” added.", name=row.name))
    return redirect(url_for("passkeys.security"))


@bp.post("/account/security/passkeys/<int:passkey_id>/rename")
def rename(passkey_id: int):
    user = _signed_in()
    if user is None:
        return redirect(url_for("auth.login"))
    form = RenameForm()
    if not form.validate_on_submit():
        return _security_page(user, _(CHANGE_MESSAGES["name_missing"]), 400)
    try:
        passkeys.rename(user.id, passkey_id, form.name.data)
    except PasskeyError as exc:
        return _security_page(user, _(CHANGE_MESSAGES.get(exc.reason, NOT_VERIFIED)),
                              404 if exc.reason == "not_found" else 400)
    flash(_("Saved."))
    return redirect(url_for("passkeys.security"))


@bp.post("/account/security/passkeys/<int:passkey_id>/remove")
def remove(passkey_id: int):
    user = _signed_in()
    if user is None:
        return redirect(url_for("auth.login"))
    if not RemoveForm().validate_on_submit():
        return _security_page(user, _("Your session expired or the form was tampered with. "
                                      "Please try again."), 400)
    try:
        gone = passkeys.remove(user.id, passkey_id, by="self")
    except PasskeyError as exc:
        return _security_page(user, _(CHANGE_MESSAGES.get(exc.reason, NOT_VERIFIED)),
                              404 if exc.reason == "not_found" else 409)
    flash(_("Passkey “%(name)s” removed.", name=gone["name"]))
    return redirect(url_for("passkeys.security"))
