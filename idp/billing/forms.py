"""The forms of the billing and account pages (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..accounts.users import EMAIL_RE
from .countries import ISO_ALPHA2

_TAX_ID = r"^[A-Za-z0-9.\-/ ]*$"


def _country(form, field):
    if (field.data or "").strip().upper() not in ISO_ALPHA2:
        raise ValidationError("Enter a two-letter ISO 3166 country code, e.g. ID.")


def _printable(form, field):
    """No control characters (a NUL cannot even be stored); newlines only in the address."""
    allowed = "\n\r\t" if field.name == "address" else ""
    if any(ord(c) < 32 and c not in allowed or ord(c) == 127 for c in field.data or ""):
        raise ValidationError("Remove the control characters.")


def _email(form, field):
    if field.data and not EMAIL_RE.match(field.data.strip()):
        raise ValidationError("Enter a valid email address.")


class CompanyForm(FlaskForm):
    legal_name = StringField("Legal name", validators=[DataRequired(), Length(max=300),
                                                       _printable])
    tax_id = StringField("Tax ID", validators=[Optional(), Length(max=64), Regexp(
        _TAX_ID, message="Letters, digits, dots, dashes and slashes only.")])
    address = TextAreaField("Address", validators=[Optional(), Length(max=1000), _printable])
    country = StringField("Country", validators=[DataRequired(), Length(min=2, max=2), _country])
    billing_email = StringField("Billing email", validators=[DataRequired(), Length(max=320),
                                                             _email, _printable])


class OrderForm(FlaskForm):
    """Order a plan for an organisation (the review page's "Order" button)."""

    plan = HiddenField(validators=[DataRequired(), Length(max=64),
                                   Regexp(r"^[A-Za-z0-9_-]+$")])
    org = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,10}$")])


class RenewForm(FlaskForm):
    org = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,10}$")])
