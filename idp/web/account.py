"""The organisation account pages (/account...) and their live updates (/account/events).

Thin views over billing's account service (billing/accounts.py) and orders; the live
updates are web/live.py's.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..billing.accounts import (
    order_of,
    overview,
    panel,
    plan_of,
    update_company,
)
from ..billing.checkout import checkout as start_checkout
from ..billing.gateways.base import GatewayError
from ..billing.lifecycle import publish_account_event
from ..billing.orders import cancel_downgrade, create_order, priced_instant, scheduled_downgrade
from ..billing.payments import settle_free
from ..errors import IdPError
from ..extensions import db
from ..orgs import audit_trail
from ..orgs.current import current_subscription, renewal_plan
from ..orgs.people import readonly_view
from ..orgs.subscriptions import cancel_at_period_end, resume
from ..storage.models import User
from ..storage.models.orgs import ADMIN_ROLES
from . import i18n
from .current_org import account_org
from .i18n import _
from .errors import render_error
from .i18n import N_
from .forms import ZONES, CompanyForm, OrderForm, RenewForm
from .headers import CSP
from .live import current_state, open_stream

# The pages' static files (idp/web/static); the account pages' script is served at
# /account/static/account.js.
STATIC = Path(__file__).resolve().parent / "static"

bp = Blueprint("account", __name__, url_prefix="/account", static_folder=str(STATIC),
               static_url_path="/static")
# The account pages load one script of ours (live updates); nothing inline.
ACCOUNT_CSP = CSP + "; script-src 'self'; connect-src 'self'"


@bp.after_request
def _csp(response):
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = ACCOUNT_CSP
    return response


def _org(org_ref: str | None = None):
    """The organisation the signed-in owner/admin acts for (web/current_org.py: the
    switcher's choice, checked against their memberships); login redirect or a 403 page."""
    return account_org(org_ref or request.args.get("org") or None, manage=True)[0]


@bp.route("")
def index():
    org, role = account_org()
    if role not in ADMIN_ROLES:  # a plain member: their plan and products, read-only
        return render_template("account/member_view.html", org=org, role=role,
                               view=readonly_view(org, current_user.id))
    return render_template("account/index.html", view=overview(org), org=org,
                           company=CompanyForm(obj=org), panel=panel(org),
                           form=RenewForm(org=str(org.id)))


@bp.route("/company", methods=["GET", "POST"])
def company():
    org = _org(request.form.get("org") if request.method == "POST" else None)
    form = CompanyForm(obj=org)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("account/company.html", org=org, form=form, zones=ZONES,
                                   error=i18n._("Please correct the fields marked below.")
                                   ), 400
        update_company(org, form.data)
        flash(i18n._("Saved."))
        return redirect(url_for("account.company", org=org.id))
    return render_template("account/company.html", org=org, form=form, zones=ZONES)


@bp.route("/orders", methods=["POST"])
def place_order():
    form = OrderForm()
    if not form.validate_on_submit():
        return _bad_request(form)
    org = _org(form.org.data)
    try:
        reviewed_at = int(form.reviewed_at.data) if form.reviewed_at.data else None
        order, _created = create_order(org, form.plan.data, current_user.id,
                                       priced_at=priced_instant(reviewed_at))
        settle_free(order)
    except IdPError as exc:  # no such plan, no longer offered, seats, cancelled...
        return _refused(exc)
    if order.status == "scheduled":
        return redirect(url_for("account.index", org=org.id))
    return redirect(url_for("account.order", order_id=order.id, org=org.id))


@bp.route("/orders/<int:order_id>")
def order(order_id: int):
    """The order page, and Snap's finish page: it shows the order's state as stored (never
    Midtrans' query string) and updates itself."""
    org = _org()
    found = order_of(org, order_id) or abort(404)
    return render_template("account/order.html", org=org, order=found, plan=plan_of(found),
                           panel=panel(org))


@bp.route("/orders/<int:order_id>/fragment")
def order_fragment(order_id: int):
    """The order's panel alone (HTML), swapped in by the live update."""
    org = _org()
    found = order_of(org, order_id) or abort(404)
    return _fragment(render_template("account/_order.html", org=org, order=found,
                                     plan=plan_of(found), panel=panel(org)))


@bp.route("/orders/<int:order_id>/pay")
def pay(order_id: int):
    org = _org()
    found = order_of(org, order_id) or abort(404)
    if found.status != "awaiting_payment":
        return redirect(url_for("account.order", order_id=found.id, org=org.id))
    return render_template("account/pay.html", org=org, order=found, plan=plan_of(found),
                           form=RenewForm(org=str(org.id)))


@bp.route("/orders/<int:order_id>/checkout", methods=["POST"])
def checkout(order_id: int):
    """The Pay button: a Snap transaction for the order, then Snap's payment page."""
    form = RenewForm()
    if not form.validate_on_submit():
        return _bad_request(form)
    org = _org(form.org.data)
    found = order_of(org, order_id) or abort(404)
    finish = url_for("account.order", order_id=found.id, org=org.id, _external=True)
    try:
        target = start_checkout(found, finish, _person())
    except GatewayError:
        # Unreachable, timed out, refused: the order is as it was; the page offers a retry.
        return render_template("account/pay_failed.html", org=org, order=found,
                               plan=plan_of(found), form=form), 502
    except IdPError as exc:  # no longer awaiting payment
        return _refused(exc)
    return redirect(target, code=303)


@bp.route("/panel")
def subscription_panel():
    """The subscription panel alone (HTML): the live update swaps the whole panel, its
    buttons included. ``?paid=ORDER_ID``: the event that just happened (the banner)."""
    org = _org()
    return _fragment(render_template("account/_subscription.html", org=org,
                                     panel=panel(org, request.args.get("paid")),
                                     form=RenewForm(org=str(org.id))))


@bp.route("/history")
def history_fragment():
    """Renewal history and orders alone (HTML), swapped in by the live update."""
    org = _org()
    return _fragment(render_template("account/_history.html", view=overview(org)))


@bp.route("/renew", methods=["GET", "POST"])
def renew():
    form = RenewForm()
    if request.method == "POST" and not form.validate_on_submit():
        return _bad_request(form)
    org = _org(form.org.data if request.method == "POST" else None)
    sub = current_subscription(org.id)
    if request.method == "GET":
        form.org.data = str(org.id)
        next_plan = None
        if sub is not None:
            scheduled = scheduled_downgrade(org.id)
            next_plan = plan_of(scheduled) if scheduled else renewal_plan(sub)
        return render_template("account/renew.html", org=org, form=form, subscription=sub,
                               next_plan=next_plan)
    if sub is None:
        return _refused(_("There is no subscription to renew; choose a plan instead."))
    scheduled = scheduled_downgrade(org.id)
    try:
        order, _created = create_order(org, plan_of(scheduled) if scheduled
                                       else renewal_plan(sub), current_user.id)
        settle_free(order)
    except IdPError as exc:
        return _refused(exc)
    return redirect(url_for("account.order", order_id=order.id, org=org.id))


@bp.route("/subscription/<action>", methods=["POST"])
def change_subscription(action: str):
    """Cancel at the period end, resume, or cancel a scheduled downgrade."""
    form = RenewForm()
    if not form.validate_on_submit():
        return _bad_request(form)
    org = _org(form.org.data)
    actor = audit_trail.person(current_user.id)
    try:
        if action == "cancel":
            cancel_at_period_end(org.id, actor)
            flash(_("Your plan will end at the end of the period. You can resume it until then."))
        elif action == "resume":
            resume(org.id, actor)
            flash(_("Your plan continues."))
        elif action == "keep-plan":
            cancel_downgrade(org)
            flash(_("The scheduled downgrade was cancelled."))
        else:
            abort(404)
    except IdPError as exc:
        return _refused(exc)
    publish_account_event(org.id, {"type": "subscription", "action": action})
    return redirect(url_for("account.index", org=org.id))


def _person():
    return db.session.get(User, current_user.id)


def _fragment(html: str) -> Response:
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})


@bp.route("/events")
def events():
    """Server-Sent Events (HTML Living Standard §9.2) for the open account page, or "poll"."""
    if not current_user.is_authenticated:
        abort(401)
    org = _org()
    return open_stream(org.id, current_user.id)


@bp.route("/state")
def state():
    """The account page's live state as JSON: what a page polls when it cannot stream."""
    if not current_user.is_authenticated:
        abort(401)
    org = _org()
    body, etag = current_state(org.id)
    response = Response(body, mimetype="application/json", headers={"Cache-Control": "no-store"})
    response.set_etag(etag)
    return response.make_conditional(request)


def _bad_request(form):
    if "csrf_token" in form.errors:
        message = N_("Your session expired or the form was tampered with. Please try again.")
    else:
        message = N_("The form was incomplete. Please try again.")
    return render_error(400, "invalid_request", N_("Bad request"), message)


def _refused(error):
    """A refusal the person can act on, in their language (an OrderError carries its
    English template and values; web/i18n.py translates)."""
    if isinstance(error, str):
        message = error
    elif getattr(error, "template", None):
        values = {k: (_(v) if k == "status" else v) for k, v in error.values.items()}
        chosen = (error.plural if error.plural is not None and values.get("num") != 1
                  else error.template)
        message = _(chosen, **values)
    else:
        message = _(str(error))
    return render_error(409, "invalid_request", _("Cannot order"), message)
