"""Every SQLAlchemy model, by domain. Importing this package registers them all
on ``db.metadata`` (what Alembic compares against)."""

from .accounts import User
from .keys import SigningKey
from .oauth import Client
from .orgs import Membership, Organization, Plan, Product, Subscription, SubscriptionPeriod
from .sessions import BackchannelAttempt, BackchannelDelivery

__all__ = [
    "BackchannelAttempt",
    "BackchannelDelivery",
    "Client",
    "Membership",
    "Organization",
    "Plan",
    "Product",
    "SigningKey",
    "Subscription",
    "SubscriptionPeriod",
    "User",
]
