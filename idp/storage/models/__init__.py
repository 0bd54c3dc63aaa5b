"""Every SQLAlchemy model, by domain. Importing this package registers them all
on ``db.metadata`` (what Alembic compares against)."""

from .accounts import User
from .billing import Order, PaymentNotification, Reminder
from .keys import SigningKey
from .oauth import Client, Consent, RefreshToken
from .orgs import Membership, Organization, Plan, Product, Subscription, SubscriptionPeriod
from .sessions import BackchannelAttempt, BackchannelDelivery

__all__ = [
    "BackchannelAttempt",
    "BackchannelDelivery",
    "Client",
    "Consent",
    "Membership",
    "Order",
    "Organization",
    "PaymentNotification",
    "Plan",
    "Product",
    "RefreshToken",
    "Reminder",
    "SigningKey",
    "Subscription",
    "SubscriptionPeriod",
    "User",
]
