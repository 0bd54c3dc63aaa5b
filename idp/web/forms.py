"""The forms of the plan and account pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..orgs import company
from ..orgs.errors import OrgError
from .i18n import N_, _, lazy_gettext

# What a person reads when a field breaks orgs/company.py's rules (the CLI says it in
# English, with the details).
FIELD_ERRORS = {
    "country": lazy_gettext("Enter a two-letter country code, such as ID."),
    "billing_email": lazy_gettext("Enter a valid email address."),
    "tax_id": lazy_gettext("A tax ID may hold only letters, digits, dots, dashes, slashes "
                           "and spaces."),
    "timezone": lazy_gettext("Choose one of the time zones listed."),
}
# Indonesia's three zones first; an organisation elsewhere is set with `idp orgs update`.
ZONES = (("Asia/Jakarta", "WIB"), ("Asia/Makassar", "WITA"), ("Asia/Jayapura", "WIT"))
REQUIRED = lazy_gettext("This field is required.")


def _company(form, field):
    """The organisation's rules for this field (orgs/company.py), the CLI's as well."""
    try:
        company.check(field.name, field.data)
    except OrgError:
        message = FIELD_ERRORS.get(field.name) or _(
            "This is too long or holds characters that are not allowed.")
        raise ValidationError(str(message)) from None


class CompanyForm(FlaskForm):
    """The company details; invoices need a legal name, a country and a billing email."""

    legal_name = StringField("Legal name", validators=[DataRequired(REQUIRED), _company])
    tax_id = StringField("Tax ID", validators=[Optional(), _company])
    address = TextAreaField("Address", validators=[Optional(), _company])
    country = StringField("Country", validators=[DataRequired(REQUIRED), _company])
    billing_email = StringField(N_("Billing email"), validators=[DataRequired(REQUIRED), _company])
    timezone = StringField("Time zone", validators=[Optional(), _company])


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
