"""Every SQLAlchemy model, by domain. Importing this package registers them all
on ``db.metadata`` (what Alembic compares against)."""

from .accounts import User
from .keys import SigningKey
from .oauth import Client, Consent, RefreshToken
from .orgs import Membership, Organization, Plan, Product, Subscription, SubscriptionPeriod

__all__ = [
    "Client",
    "Consent",
    "Membership",
    "Organization",
    "Plan",
    "Product",
    "RefreshToken",
    "SigningKey",
    "Subscription",
    "SubscriptionPeriod",
    "User",
]
