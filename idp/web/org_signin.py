"""The organisation's sign-in pages on the account: its own provider (an owner's request,
which waits for the operator's approval) and the sign-in audit (who signed in, and how)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from ..extensions import db
from ..federation import config
from ..federation.errors import FederationError
from ..orgs import sign_ins
from ..storage.models import Membership
from . import i18n
from .account import ACCOUNT_CSP, _org
from .i18n import N_, _

bp = Blueprint("org_signin", __name__, url_prefix="/account")
bp.context_processor(i18n.context)


@bp.after_request
def _csp(response):
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = ACCOUNT_CSP
    return response


class FederationRequestForm(FlaskForm):
    org = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,10}$")])
    issuer = StringField("Issuer", validators=[DataRequired(), Length(max=500)])
    client_id = StringField("Client ID", validators=[DataRequired(), Length(max=255)])
    client_secret = PasswordField(N_("Client secret"), validators=[DataRequired(), Length(max=2000)])
    domains = StringField(N_("Email domains"), validators=[DataRequired(), Length(max=2000)])


def _is_owner(org) -> bool:
    return db.session.scalar(select(Membership.role).where(
        Membership.organization_id == org.id, Membership.user_id == current_user.id)) == "owner"


@bp.route("/sign-in", methods=["GET", "POST"])
def federation():
    """Show the connection; an owner may ask for one (the operator approves it)."""
    form = FederationRequestForm()
    posted = request.method == "POST"
    org = _org(form.org.data if posted else None)
    error, status = None, 200
    if posted:
        if not _is_owner(org):
            abort(403)
        if not form.validate_on_submit():
            error, status = _("Please correct the fields marked below."), 400
        else:
            try:
                config.request_federation(
                    org.id, current_user.id, issuer=form.issuer.data.strip(),
                    client_id=form.client_id.data, client_secret=form.client_secret.data,
                    domains=form.domains.data.replace(",", " ").split())
            except FederationError as exc:
                error, status = str(exc), 400
            else:
                flash(_("Request sent. The Tomps operator verifies your domains and approves it."))
                return redirect(url_for("org_signin.federation", org=org.id))
    form.org.data = str(org.id)
    fed = config.find(org.id)
    shown = config.describe(fed) if fed else None
    return render_template("account/sign_in.html", org=org, form=form, fed=shown, error=error,
                           owner=_is_owner(org), redirect_uri=config.redirect_uri(),
                           backchannel_uri=config.backchannel_uri()), status


@bp.route("/sign-ins")
def audit():
    """The organisation's sign-in audit: each member's sign-ins and the method used."""
    org = _org()
    return render_template("account/sign_ins.html", org=org, rows=sign_ins.recent(org.id))
