"""The login page and the IdP's own sign-out."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from .. import audit
from ..accounts import login as login_service
from ..accounts.authenticate import LOGIN_FAILED
from ..extensions import db
from ..sessions import store as sso
from ..sessions.service import REPLACED, end_session
from ..storage.models import User
from . import federated
from .current_org import safe_next
from .errors import render_error
from .i18n import N_, _
from .i18n import context as i18n_context

bp = Blueprint("auth", __name__, static_folder="static", static_url_path="/static/web")


# A control character (a NUL byte among them) is never part of an email address: a 400
# with the same sentence on every backend (Postgres refuses NUL in text; SQLite stores it).
UNACCEPTABLE = N_("The request contains a value that cannot be accepted.")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[
        DataRequired(), Length(max=320), Regexp(r"^[^\x00-\x1f\x7f]*$", message=UNACCEPTABLE)])
    # Optional: a post without a password is the email step (home-realm discovery).
    password = PasswordField("Password", validators=[Optional(), Length(max=1024)])
    interaction = HiddenField()
    next = HiddenField()  # the page asked for before signing in (current_org.safe_next)


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the user of the live SSO session in this browser, if any."""
    live = sso.get(session.get("sid"))
    if live is None or str(live.user_id) != str(user_id):
        return None
    user = db.session.get(User, live.user_id)
    return user if user is not None and not user.disabled else None


def start_session(user: User, amr: list[str], acr: str = "0") -> sso.SSOSession:
    """Sign the browser in: a fresh SSO session, a fresh cookie (no session fixation).

    Only the browser's interaction binding survives: the authorization request this
    login serves was bound to this browser, not to the session being replaced.
    """
    from ..oidc.interaction import BROWSER_KEY, CURRENT_KEY

    old, browser, current = session.get("sid"), session.get(BROWSER_KEY), session.get(CURRENT_KEY)
    if old:
        end_session(old, reason=REPLACED)  # its clients hear of it (back-channel logout)
    session.clear()
    if browser:
        session[BROWSER_KEY] = browser
    if current:  # its language (ui_locales) holds for the rest of the interaction
        session[CURRENT_KEY] = current
    live = sso.create(user.id, amr, acr)
    session["sid"] = live.sid
    session.permanent = True
    login_user(user)
    return live


# The same words for a locked account and a locked IP, known email or not (no enumeration).
LOGIN_LOCKED = N_("Too many attempts. Please wait a moment and try again.")
PASSKEY_REQUIRED = N_("Your organisation requires two-step verification. "
                      "Please sign in with your passkey.")


def next_url(interaction_id: str | None, next_path: str | None = None) -> str:
    """Where a finished login goes: the resumed authorization request, else the page the
    person asked for (a path of this site only), else the signed-in page."""
    # ``interaction`` is an id we stored, never a URL from the request (no open redirect).
    if interaction_id:
        from ..oidc import interaction

        target = interaction.resume_url(interaction_id)
        if target:
            return target
    return safe_next(next_path) or url_for("auth.signed_in")


def _after_login(interaction_id: str | None, next_path: str | None = None):
    return redirect(next_url(interaction_id, next_path))


NEXT_KEY = "login_next"  # kept in the session across the second-factor step


def take_next() -> str | None:
    """The page a login with a second factor returns to (read before start_session)."""
    return safe_next(session.pop(NEXT_KEY, None))


def locked_response(template: str, retry_after: int, **context):
    """A 429 page with Retry-After and the one generic lockout message."""
    return (render_template(template, error=_(LOGIN_LOCKED), **context), 429,
            {"Retry-After": str(max(1, retry_after))})


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Email first (home-realm discovery), then the password step — or the organisation's
    own provider when the email's domain is federated (web/federated.py)."""
    form = LoginForm()
    if request.method == "GET":
        form.interaction.data = request.args.get("interaction", "")[:128]
        form.email.data = request.args.get("login_hint", "")[:320]
        form.next.data = safe_next(request.args.get("next")) or ""
        return _login_page(form)
    if not form.validate_on_submit():
        return _login_page(form, error=_form_error(form), status=400,
                           step="password" if form.password.data else "email")
    _pending(form.interaction.data)  # before any password is checked
    if not form.password.data:
        return federated.discover(form) or _login_page(form, step="password")
    if federated.password_refused(form.email.data):
        return _login_page(form, error=_(federated.PASSWORD_REFUSED), status=403, step="password",
                           federated_only=True)
    outcome = login_service.password_step(form.email.data, form.password.data,
                                          request.remote_addr, form.interaction.data)
    if outcome.status == "locked":
        return locked_response("auth/login.html", outcome.retry_after, form=form, step="password",
                               **i18n_context())
    if outcome.status == "failed":
        return _login_page(form, error=_(LOGIN_FAILED), status=401, step="password")
    if outcome.status == "passkey":  # the organisation requires a second factor: a passkey
        return _login_page(form, error=_(PASSKEY_REQUIRED), status=401, step="password")
    if outcome.status in ("otp", "enrol"):
        # Not signed in yet: the browser keeps only the id of the parked login.
        session["mfa"] = outcome.pending
        session[NEXT_KEY] = safe_next(form.next.data)
        return redirect(url_for("totp.verify" if outcome.status == "otp" else "totp.enrol"))
    start_session(outcome.user, ["pwd"])
    return _after_login(outcome.interaction, form.next.data)


def _login_page(form: LoginForm, error: str | None = None, status: int = 200,
                step: str = "email", **context):
    """The login page at ``step``: ``email`` (email only) or ``password`` (the email kept,
    the password field, and the place for other sign-in options such as passkeys)."""
    html = render_template("auth/login.html", form=form, error=error, step=step,
                           client_name=_client_name(form.interaction.data), **context,
                           **i18n_context())
    return html, status


def _pending(interaction_id: str) -> dict | None:
    """The authorization request this login serves, if any.

    Another browser's interaction raises ForeignInteraction: its page, and no login.
    """
    from ..oidc import interaction

    return interaction.load(interaction_id) if interaction_id else None


def _client_name(interaction_id: str) -> str | None:
    """The name of the client asking, shown on the login page (from our stored interaction)."""
    stored = _pending(interaction_id)
    return stored.get("client_name") if stored else None


def _form_error(form: FlaskForm) -> str:
    if "csrf_token" in form.errors:
        return _("Your session expired or the form was tampered with. Please try again.")
    if UNACCEPTABLE in form.email.errors:
        return _(UNACCEPTABLE)
    return _(LOGIN_FAILED)


@bp.route("/")
def home():
    """The signed-in person's account; the sign-in for anyone else."""
    if current_user.is_authenticated:
        return redirect(url_for("account.index"))
    return redirect(url_for("auth.login"))


@bp.route("/signed-in")
def signed_in():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/signed_in.html", user=current_user)


class SignOutForm(FlaskForm):
    pass


@bp.route("/logout", methods=["POST"])
def sign_out():
    form = SignOutForm()
    if not form.validate_on_submit():
        return render_error(400, "invalid_request", N_("Bad request"),
                            N_("The sign-out form expired. Please try again."))
    sid = session.get("sid")
    ended = end_session(sid) if sid else None
    if ended is not None:
        audit.record("logout", user_id=ended.user_id, outcome="success")
    logout_user()
    session.clear()
    return render_template("auth/signed_out.html")
