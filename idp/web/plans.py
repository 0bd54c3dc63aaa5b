"""The plan catalogue for people (/plans, /plans/<code>/review) and scripts (/api/plans)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import current_user

from .. import clock
from ..billing import content
from ..billing.accounts import product_names
from ..billing.catalogue import describe
from ..billing.orders import OrderError, priced_instant, quote
from ..errors import IdPError
from ..orgs.plans import find_plan, list_plans
from ..orgs.selection import organizations_for
from ..storage.models import Organization
from ..storage.models.orgs import ADMIN_ROLES
from . import i18n
from .forms import OrderForm
from .i18n import _
from .money import format_money

# Named "billing" as before: templates link to billing.plans and billing.review.
bp = Blueprint("billing", __name__)
bp.add_app_template_global(format_money, "money")  # money(amount, currency) in templates


def _offered() -> list[dict]:
    """The offered plans (of ``?product=``, when given) as the catalogue shows them.
    An unknown product is an OrgError: a 400, JSON or a page (web/errors.py)."""
    plans = list_plans(include_inactive=False, product=request.args.get("product"))
    return [describe(plan, i18n.locale()) for plan in plans]


@bp.route("/api/plans")
def api_plans():
    response = jsonify(_offered())
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/plans")
def plans():
    found, product = _offered(), request.args.get("product")
    org = _organisation()
    actions = {plan["code"]: _action(org, plan["code"]) for plan in found} if org else {}
    return render_template("billing/plans.html", plans=found, org=org, actions=actions,
                           faq=content.faq(i18n.locale()), product=product,
                           products=product_names())


@bp.route("/plans/<code>/review")
def review(code: str):
    """The review page before ordering: what the order will be (kind, charge now, when it
    takes effect, what is lost), priced by the server (billing.orders.quote)."""
    plan = find_plan(code)
    if plan is None or not plan.active:
        abort(404)
    orgs = _administered() if current_user.is_authenticated else []
    org = _organisation(orgs)
    priced, refusal = None, None
    reviewed_at = clock.timestamp()  # the order placed from this page keeps this price
    if org is not None:
        try:
            priced = quote(org, plan, priced_instant(reviewed_at))
        except OrderError as exc:
            refusal = _translated(exc)
    form = OrderForm(plan=plan.code, org=str(org.id) if org else "", reviewed_at=reviewed_at)
    return render_template("billing/review.html", plan=describe(plan, i18n.locale()), orgs=orgs,
                           org=org, quote=priced, refusal=refusal, form=form,
                           signed_in=current_user.is_authenticated, products=product_names())


def _administered() -> list[Organization]:
    return organizations_for(current_user.id, ADMIN_ROLES)


def _organisation(orgs: list[Organization] | None = None) -> Organization | None:
    """The organisation the signed-in owner/admin is looking at (``?org=``, else the first)."""
    if not current_user.is_authenticated:
        return None
    orgs = _administered() if orgs is None else orgs
    wanted = request.args.get("org")
    return next((o for o in orgs if str(o.id) == wanted), orgs[0] if orgs else None)


def _action(org: Organization, code: str) -> str | None:
    """What ordering this plan would be (new, renewal, upgrade, downgrade), or None."""
    try:
        return quote(org, code).kind
    except (OrderError, IdPError):
        return None


def _translated(exc: OrderError) -> str:
    values = {k: (_(v) if k == "status" else v) for k, v in exc.values.items()}
    chosen = exc.plural if exc.plural is not None and values.get("num") != 1 else exc.template
    return _(chosen, **values)
