"""The plan catalogue for people (/plans, /plans/<code>/review) and scripts (/api/plans)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import current_user

from ..billing import content
from ..billing.catalogue import describe
from ..orgs.plans import find_plan, list_plans
from ..orgs.selection import organizations_for
from ..storage.models import Organization
from ..storage.models.orgs import ADMIN_ROLES
from . import i18n
from .forms import OrderForm

# Named "billing" as before: templates link to billing.plans and billing.review.
bp = Blueprint("billing", __name__)


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
    return render_template("billing/plans.html", plans=found,
                           faq=content.faq(i18n.locale()), product=product)


@bp.route("/plans/<code>/review")
def review(code: str):
    plan = find_plan(code)
    if plan is None or not plan.active:
        abort(404)
    orgs = _administered() if current_user.is_authenticated else []
    form = OrderForm(plan=plan.code)
    return render_template("billing/review.html", plan=describe(plan, i18n.locale()), orgs=orgs,
                           form=form, signed_in=current_user.is_authenticated)


def _administered() -> list[Organization]:
    return organizations_for(current_user.id, ADMIN_ROLES)
