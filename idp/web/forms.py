"""The forms of the plan and account pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..orgs import company
from ..orgs.errors import OrgError


def _company(form, field):
    """The organisation's rules for this field (orgs/company.py), the CLI's as well."""
    try:
        company.check(field.name, field.data)
    except OrgError as exc:
        raise ValidationError(str(exc)) from None


class CompanyForm(FlaskForm):
    """The company details; invoices need a legal name, a country and a billing email."""

    legal_name = StringField("Legal name", validators=[DataRequired(), _company])
    tax_id = StringField("Tax ID", validators=[Optional(), _company])
    address = TextAreaField("Address", validators=[Optional(), _company])
    country = StringField("Country", validators=[DataRequired(), _company])
    billing_email = StringField("Billing email", validators=[DataRequired(), _company])


class OrderForm(FlaskForm):
    """Order a plan for an organisation (the review page's "Order" button)."""

    plan = HiddenField(validators=[DataRequired(), Length(max=64),
                                   Regexp(r"^[A-Za-z0-9_-]+$")])
    org = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,10}$")])
    # When the review page priced the order (epoch seconds): the order keeps that price
    # for a while (billing.orders.priced_instant); anything else prices it now.
    reviewed_at = HiddenField(validators=[Optional(), Regexp(r"^\d{1,12}$")])


class RenewForm(FlaskForm):
    org = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,10}$")])
