"""The organisation account pages (/account...) and their live updates (/account/events).

Thin views over billing's account service (billing/accounts.py) and orders; the live
updates are web/live.py's.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..billing.accounts import (
    AccountAccessDenied,
    admin_organization,
    order_of,
    overview,
    plan_of,
    update_company,
)
from ..billing.orders import create_order
from ..errors import IdPError
from ..orgs.current import current_subscription, renewal_plan
from . import i18n
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
    """The organisation the signed-in owner/admin asked for; login redirect or 403."""
    if not current_user.is_authenticated:
        abort(redirect(url_for("auth.login")))
    try:
        return admin_organization(current_user.id, org_ref or request.args.get("org"))
    except AccountAccessDenied:
        abort(403)


@bp.route("")
def index():
    org = _org()
    return render_template("account/index.html", view=overview(org), org=org,
                           company=CompanyForm(obj=org))


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
        order, _ = create_order(org, form.plan.data, current_user.id)
    except IdPError as exc:  # no such plan, no longer offered, not a renewal of the plan
        return _refused(str(exc))
    return redirect(url_for("account.order", order_id=order.id, org=org.id))


@bp.route("/orders/<int:order_id>")
def order(order_id: int):
    org = _org()
    found = order_of(org, order_id) or abort(404)
    return render_template("account/order.html", org=org, order=found, plan=plan_of(found))


@bp.route("/orders/<int:order_id>/pay")
def pay(order_id: int):
    org = _org()
    found = order_of(org, order_id) or abort(404)
    if found.status != "awaiting_payment":
        return redirect(url_for("account.order", order_id=found.id, org=org.id))
    return render_template("account/pay.html", org=org, order=found, plan=plan_of(found))


@bp.route("/renew", methods=["GET", "POST"])
def renew():
    form = RenewForm()
    if request.method == "POST" and not form.validate_on_submit():
        return _bad_request(form)
    org = _org(form.org.data if request.method == "POST" else None)
    sub = current_subscription(org.id)
    if request.method == "GET":
        form.org.data = str(org.id)
        return render_template("account/renew.html", org=org, form=form, subscription=sub)
    if sub is None:
        return _refused(N_("There is no subscription to renew; choose a plan instead."))
    try:
        order, _ = create_order(org, renewal_plan(sub), current_user.id)
    except IdPError as exc:
        return _refused(str(exc))
    return redirect(url_for("account.order", order_id=order.id, org=org.id))


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


def _refused(message: str):
    return render_error(409, "invalid_request", N_("Cannot order"), message)
