"""The people of an organisation (/account/members), the switcher (/account/switch) and
the invitation link (/invitations/<token>).

Thin views over orgs/people.py (who may do what), orgs/invitations.py and
web/current_org.py (which organisation, checked against the person's memberships).
Every form carries a CSRF token (Flask-WTF). The rules are in docs/members.md.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional, Regexp

from .. import clock
from ..accounts.users import MIN_PASSWORD_LENGTH
from ..errors import IdPError
from ..extensions import db
from ..orgs import invitations, people
from ..orgs.organizations import NoFreeSeat
from ..storage.models import Organization
from ..storage.models.orgs import ROLES
from . import i18n
from .auth import start_session
from .current_org import account_org, forbidden, memberships, safe_next
from .errors import render_error
from .i18n import N_, _
from .invitation_mail import DeliveryError, send_invitation

bp = Blueprint("members", __name__, url_prefix="/account")
bp.context_processor(i18n.context)
bp.add_app_template_global(memberships, "my_organizations")  # the switcher's list
accept_bp = Blueprint("invitations", __name__, url_prefix="/invitations")
accept_bp.context_processor(i18n.context)

ORG = [DataRequired(), Regexp(r"^\d{1,10}$")]


class OrgForm(FlaskForm):
    """A button acting on one organisation (remove, resend, revoke)."""

    org = HiddenField(validators=ORG)


class InviteForm(OrgForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    role = StringField("Role", validators=[DataRequired(), AnyOf(ROLES)], default="member")


class RoleForm(OrgForm):
    role = StringField("Role", validators=[DataRequired(), AnyOf(ROLES)])


class SwitchForm(FlaskForm):
    org = StringField("Organisation", validators=ORG)
    next = HiddenField(validators=[Optional(), Length(max=2048)])


class JoinForm(FlaskForm):
    pass


class SignUpForm(FlaskForm):
    given_name = StringField("Given name", validators=[DataRequired(), Length(max=100)])
    family_name = StringField("Family name", validators=[Optional(), Length(max=100)])
    password = PasswordField("Password", validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)])
    confirm = PasswordField(N_("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password")])


# --- the members page ---

def _page(org, role, status=200, error=None, invite_form=None):
    return render_template(
        "account/members.html", org=org, role=role, members=people.roster(org),
        invitations=invitations.open_invitations(org) if people.can_manage(role) else [],
        assignable=people.assignable_roles(role), manage=people.can_manage(role),
        invite_form=invite_form or InviteForm(), form=OrgForm(), error=error,
        me=current_user.id, now=clock.now()), status


@bp.route("/members")
def members():
    org, role = account_org()
    return _page(org, role)


def _posted(form_class):
    """The form of a POST, checked (CSRF first); the organisation acted for, and the role."""
    form = form_class()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(make_response(render_error(400, "invalid_request", _("Bad request"), _(
                "Your session expired or the form was tampered with. Please try again."),
                link=url_for("members.members"), link_text=_("Back to the members"))))
        org, role = account_org(form.org.data or None)
        if not people.can_manage(role):  # a plain member learns nothing from the fields
            abort(forbidden(_("Only owners and admins can manage members.")))
        abort(make_response(_page(org, role, 400, _("Please correct the fields marked below."),
                                  form)))
    org, role = account_org(form.org.data)
    return form, org, role


def _refused(exc: IdPError, org, role):
    """A refused change: a 403/404 page, or the members page saying why (409/400)."""
    if isinstance(exc, people.PeopleForbidden):
        return forbidden(_(exc.public))
    if isinstance(exc, people.MemberNotFound):
        return render_error(404, "not_found", _("Not found"), _(exc.public),
                            link=url_for("members.members"), link_text=_("Back to the members"))
    if isinstance(exc, NoFreeSeat):
        message = _("No free seat: the plan has %(seats)s seats, and members and pending "
                    "invitations take them all.", seats=exc.seats)
    else:
        message = _(exc.public)
    return _page(org, role, exc.status if exc.status in (400, 409) else 409, message)


def _announce(org_id: int, change: str) -> None:
    """Tell open account pages of the organisation that its people changed (live updates:
    ``{"type": "members", "change": ...}`` on ``account:<org>``; seats used moved)."""
    from ..billing.lifecycle import publish_account_event

    publish_account_event(org_id, {"type": "members", "change": change})


def _done(org, message: str, change: str):
    _announce(org.id, change)
    flash(message)
    return redirect(url_for("members.members", org=org.id))


def _deliver(invitation, org, token: str) -> str:
    """Email the link; say what happened (the invitation stands either way: resend it)."""
    try:
        send_invitation(invitation, org, current_user, token)
    except DeliveryError:
        return _("The invitation to %(email)s is saved, but the email could not be sent. "
                 "Try “Resend” later.", email=invitation.email)
    return _("Invitation sent to %(email)s.", email=invitation.email)


@bp.route("/members/invite", methods=["POST"])
def invite():
    form, org, role = _posted(InviteForm)
    try:
        invitation, token = invitations.invite(org, form.email.data, form.role.data,
                                               current_user.id)
    except IdPError as exc:
        return _refused(exc, org, role)
    return _done(org, _deliver(invitation, org, token), "invited")


@bp.route("/members/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int):
    form, org, role = _posted(RoleForm)
    try:
        people.change_role(org, user_id, form.role.data, current_user.id)
    except IdPError as exc:
        return _refused(exc, org, role)
    return _done(org, _("Role changed."), "role_changed")


@bp.route("/members/<int:user_id>/remove", methods=["POST"])
def remove(user_id: int):
    form, org, role = _posted(OrgForm)
    try:
        removed = people.remove(org, user_id, current_user.id)
    except IdPError as exc:
        return _refused(exc, org, role)
    if removed.id == current_user.id:  # left the organisation: nothing more to see here
        _announce(org.id, "removed")
        session.pop("account_org", None)
        return redirect(url_for("account.index"))
    return _done(org, _("%(email)s was removed.", email=removed.email), "removed")


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
def resend(invitation_id: int):
    form, org, role = _posted(OrgForm)
    try:
        invitation, token = invitations.resend(org, invitation_id, current_user.id)
    except IdPError as exc:
        return _refused(exc, org, role)
    return _done(org, _deliver(invitation, org, token), "invited")


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke(invitation_id: int):
    form, org, role = _posted(OrgForm)
    try:
        invitation = invitations.revoke(org, invitation_id, current_user.id)
    except IdPError as exc:
        return _refused(exc, org, role)
    return _done(org, _("The invitation to %(email)s was withdrawn.", email=invitation.email),
                 "invitation_revoked")


# --- the switcher ---

@bp.route("/switch", methods=["POST"])
def switch():
    """Act for another of one's organisations (remembered in the session)."""
    form = SwitchForm()
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if not form.validate_on_submit():
        return render_error(400, "invalid_request", _("Bad request"), _(
            "Your session expired or the form was tampered with. Please try again."),
            link=url_for("account.index"), link_text=_("Back to the account"))
    org, role = account_org(form.org.data)  # not a member: 403, nothing remembered
    # The same page for the other organisation where there is one; else its account page
    # (an order of the organisation left means nothing in the other one).
    same = {url_for("account.index"), url_for("members.members")}
    if people.can_manage(role):
        same.add(url_for("account.company"))
    target = safe_next(form.next.data)
    return redirect(url_for("account.index", org=org.id) if target not in same
                    else f"{target}?org={org.id}")


# --- the invitation link ---

def _invalid(exc: invitations.InvitationInvalid):
    return render_template("invitations/invalid.html", reason=exc.reason,
                           message=_(exc.public)), exc.status


@accept_bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str):
    try:
        invitation = invitations.find(token)
    except invitations.InvitationInvalid as exc:
        return _invalid(exc)
    org = db.session.get(Organization, invitation.organization_id)
    existing = invitations.invited_user(invitation)
    context = {"invitation": invitation, "org": None, "target_org": org, "token": token,
               "existing": existing, "join_form": JoinForm(), "signup_form": SignUpForm(),
               "min_password": MIN_PASSWORD_LENGTH,
               "login_url": url_for("auth.login", next=url_for("invitations.accept",
                                                               token=token),
                                    login_hint=invitation.email)}
    if request.method == "GET":
        return render_template("invitations/accept.html", **context)
    if current_user.is_authenticated:
        return _join(token, invitation, org, context)
    return _sign_up(token, org, existing, context)


def _join(token, invitation, org, context):
    if not context["join_form"].validate_on_submit():
        return render_template("invitations/accept.html", error=_(
            "Your session expired or the form was tampered with. Please try again."),
            **context), 400
    try:
        invitations.accept(token, current_user)
    except invitations.InvitationInvalid as exc:
        return _invalid(exc)
    except IdPError as exc:
        return render_template("invitations/accept.html", error=_seat_or(exc), **context), 409
    session["account_org"] = org.id
    _announce(org.id, "joined")
    flash(_("Welcome to %(org)s.", org=org.name))
    return redirect(url_for("account.index", org=org.id))


def _sign_up(token, org, existing, context):
    form = context["signup_form"]
    if existing is not None:  # an account holds the address: sign in instead
        return redirect(context["login_url"])
    if not form.validate_on_submit():
        return render_template("invitations/accept.html", error=_(
            "Please correct the fields marked below."), **context), 400
    try:
        user = invitations.sign_up(token, form.password.data, form.given_name.data,
                                   form.family_name.data)
    except invitations.InvitationInvalid as exc:
        return _invalid(exc)
    except IdPError as exc:
        return render_template("invitations/accept.html", error=_seat_or(exc), **context), 409
    start_session(user, ["pwd"])
    session["account_org"] = org.id
    _announce(org.id, "joined")
    flash(_("Welcome to %(org)s.", org=org.name))
    return redirect(url_for("account.index", org=org.id))


def _seat_or(exc: IdPError) -> str:
    if isinstance(exc, NoFreeSeat):
        return _("The organisation has no free seat left. Ask the person who invited you.")
    return _(exc.public)
