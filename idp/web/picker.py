"""The organisation picker: a person in several organisations picks the one an
authorization is for.

GET/POST /select-organization?interaction=ID: /authorize hands off here (the
interaction must belong to this browser). The choice is remembered and written into
the interaction as the person's ``organization`` decision, which counts for that person
only; the browser then resumes the authorization request by its id (never a URL from
the request). The page that says why access was refused is an error page
(web/errors.py, ``AccessRefused``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.validators import DataRequired

from ..oidc import interaction
from ..orgs.selection import organizations_for, remember_choice
from .errors import render_error
from .i18n import N_, _, lazy_gettext

bp = Blueprint("picker", __name__)


class PickForm(FlaskForm):
    interaction = HiddenField(validators=[DataRequired()])
    organization = RadioField(lazy_gettext("Organisation"), coerce=int, validate_choice=True,
                              validators=[DataRequired()])


def _form(interaction_id: str) -> PickForm:
    form = PickForm()
    form.organization.choices = [(o.id, o.name) for o in organizations_for(current_user.id)]
    if request.method == "GET":
        form.interaction.data = interaction_id
    return form


def _expired():
    return render_error(400, "invalid_request", N_("Sign-in expired"),
                        N_("This sign-in took too long. Please start again from the app."))


@bp.route("/select-organization", methods=["GET", "POST"])
def select_organization():
    interaction_id = (request.values.get("interaction") or "")[:64]
    # Another browser's interaction raises ForeignInteraction: an error page, no redirect.
    data = interaction.load(interaction_id)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", interaction=interaction_id or None))
    if data is None:
        return _expired()
    form = _form(interaction_id)
    if request.method == "GET":
        return render_template("orgs/select.html", form=form)
    if not form.validate_on_submit() or form.interaction.data != interaction_id:
        return render_template("orgs/select.html", form=form,
                               error=_("Please choose one of your organisations.")), 400
    remember_choice(current_user.id, form.organization.data)
    # The choice counts only for the person who made it (interaction.decision).
    interaction.decide(interaction_id, data, "organization", current_user.id,
                       form.organization.data)
    return redirect(_next(interaction_id))


def _next(interaction_id: str) -> str:
    if "oidc.resume" in current_app.view_functions:
        return url_for("oidc.resume", interaction=interaction_id)
    return url_for("auth.signed_in")

