"""Pages of the federated sign-in: the redirect to the organisation's provider, the
callback that finishes it, and the provider's back-channel logout endpoint.

The protocol decisions are federation/signin.py's and federation/logout.py's; this
module parses, calls them, and renders: a signed-in browser continues the pending
authorization exactly as after a password (auth.start_session, auth.next_url), a failure
gets a page saying what happened.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, jsonify, redirect, render_template, request, session

from ..extensions import csrf
from ..federation import config, signin
from ..federation import logout as upstream_logout
from ..federation.errors import FederationFailure
from ..rp.errors import LogoutTokenError
from . import auth as auth_views
from .i18n import N_, _
from .i18n import context as i18n_context

bp = Blueprint("federated", __name__)

BROWSER = "fed_browser"  # this browser's binding value for its pending upstream sign-ins
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PASSWORD_REFUSED = (N_("Your organisation signs you in with its own identity provider, "
                    "not with a password here. Leave the password empty and continue."))

# What each failure kind tells the person (English keys of the i18n dictionary).
MESSAGES = {
    "cancelled": (N_("Sign-in cancelled"),
                  N_("You cancelled the sign-in at your organisation's identity provider, "
                  "so you are not signed in. Start again when you are ready.")),
    "upstream_down": (N_("Your organisation's identity provider is unavailable"),
                      N_("We could not reach your organisation's identity provider, or it did not "
                      "answer properly. Please try again in a few minutes; if it goes on, tell "
                      "your IT department.")),
    "upstream_error": (N_("Your organisation's identity provider refused the sign-in"),
                       N_("Your organisation's identity provider did not sign you in. Please try "
                       "again; if it goes on, tell your IT department.")),
    "invalid_token": (N_("The sign-in could not be verified"),
                      N_("The answer from your organisation's identity provider did not pass our "
                      "checks, so you are not signed in. Please try again; if it goes on, tell "
                      "your IT department.")),
    "email_domain": (N_("Email address not in your organisation"),
                     N_("The email address your identity provider gave us is not in a domain of "
                     "your organisation here, so you are not signed in. Sign in with your "
                     "work account.")),
    "email_unverified": (N_("Email address not verified"),
                         N_("Your identity provider says your email address is not verified, so "
                         "you are not signed in. Verify it there first.")),
    "state": (N_("This sign-in link has expired or was already used"),
              N_("Start signing in again from the application, in this browser.")),
    "no_seat": (N_("No free seat in your organisation"),
                N_("Your organisation's plan has no free seat for you, so no account was created. "
                "Ask an owner or admin of your organisation to free a seat or change the plan.")),
    "elsewhere": (N_("This email belongs to another account"),
                  N_("An account with this email address already exists here outside your "
                  "organisation, so it was not linked. Ask your organisation's administrator "
                  "or Tomps support.")),
    "disabled": (N_("Account disabled"), N_("This account is disabled. Contact your administrator.")),
    "not_configured": (N_("Sign-in with your organisation is not available"),
                       N_("Your organisation's connection changed while you were signing in. "
                       "Please start again.")),
}


def _browser() -> str:
    value = session.get(BROWSER)
    if not value:
        value = session[BROWSER] = secrets.token_urlsafe(32)
    return value


def password_refused(email: str) -> bool:
    return config.password_refused(email)


def discover(form):
    """Home-realm discovery: a redirect to the email's organisation provider, or None."""
    fed = config.for_email(form.email.data)
    if fed is None:
        return None
    try:
        url = signin.begin(fed, form.email.data, form.interaction.data, _browser())
    except FederationFailure as failure:
        return failure_page(failure)
    return redirect(url)


def failure_page(failure: FederationFailure):
    title, message = MESSAGES.get(failure.kind, MESSAGES["upstream_error"])
    return (render_template("auth/federated_error.html", title=_(title), message=_(message),
                            kind=failure.kind, **i18n_context()),
            failure.status, NO_STORE)


@bp.route("/login/federated/callback")
def callback():
    """The upstream sends the browser back here (the redirect URI registered there)."""
    args = request.args
    try:
        result = signin.complete(args.get("state"), args.get("code"), args.get("error"),
                                 session.get(BROWSER), request.remote_addr)
    except FederationFailure as failure:
        return failure_page(failure)
    live = auth_views.start_session(result.user, result.amr)
    signin.remember_session(result.issuer, result.upstream_sid, live.sid)
    return redirect(auth_views.next_url(result.interaction))


@bp.route("/login/federated/backchannel-logout", methods=["POST"])
@csrf.exempt  # server-to-server (Back-Channel Logout 1.0 §2.5): the logout token is the proof
def backchannel_logout():
    token = request.form.get("logout_token")
    try:
        upstream_logout.handle(token)
    except LogoutTokenError:
        # §2.8: 400 with an OAuth-style error; no detail of which check failed.
        return jsonify(error="invalid_request", error_description="invalid logout token"), 400, NO_STORE
    return "", 200, NO_STORE
