"""The consent page (OIDC Core §3.1.2.4): a third-party client asks for scopes.

/authorize hands the person off here with the stored interaction's id; the answer is
recorded in the interaction for the person who gave it (interaction.decide) and the
request is handed back to the authorization code (authorize.handle). The form is
CSRF-protected; only the signed-in person of the browser that started the request
can answer it.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, session
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField

from ..oidc import authorize, consent, interaction
from ..oidc.errors import RequestCannotContinue
from ..oidc.server import StoredRequest
from ..sessions import store as sso
from .i18n import _


def scope_labels() -> dict[str, str]:
    """What each scope lets the client do, in the person's words and language."""
    return {"openid": _("know who you are"), "profile": _("see your name and language"),
            "email": _("see your email address"),
            "offline_access": _("stay signed in when you are away"),
            "plan": _("see your organisation's plan")}

bp = Blueprint("consent", __name__)


class ConsentForm(FlaskForm):
    interaction = HiddenField()
    allow = SubmitField("Allow")
    deny = SubmitField("Deny")


def _consenting_user(stored):
    """The signed-in person of this browser: only they can answer a consent page."""
    live = sso.get(session.get("sid"))
    return live.user_id if live and stored else None


@bp.route("/consent", methods=["GET", "POST"])
def consent_page():
    form = ConsentForm()
    interaction_id = request.values.get("interaction", "")[:128]
    stored = interaction.load(interaction_id)
    user_id = _consenting_user(stored)
    if user_id is None:
        raise RequestCannotContinue(interaction.EXPIRED)
    if request.method == "GET" or not form.validate_on_submit():
        form.interaction.data = interaction_id
        status = 200 if request.method == "GET" else 400
        return render_template("consent/consent.html", form=form, client_name=stored["client_name"],
                               scopes=stored.get("scope", "").split(),
                               scope_labels=scope_labels()), status
    # Recorded for the person who answered; it counts for nobody else (interaction.py).
    if form.allow.data:
        consent.remember(user_id, stored["client_id"], stored.get("scope", ""))
        interaction.decide(interaction_id, stored, "consent", user_id)
    else:
        interaction.decide(interaction_id, stored, "denied", user_id)
    return authorize.handle(StoredRequest(stored["params"]), interaction_id)
