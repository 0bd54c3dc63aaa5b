"""Every SQLAlchemy model, by domain. Importing this package registers them all
on ``db.metadata`` (what Alembic compares against)."""

from .accounts import User
from .audit import AuditEvent
from .keys import SigningKey
from .oauth import Client
from .orgs import Membership, Organization, Plan, Product, Subscription, SubscriptionPeriod
from .totp import RecoveryCode, TotpCredential

__all__ = [
    "AuditEvent",
    "Client",
    "Membership",
    "Organization",
    "Plan",
    "Product",
    "RecoveryCode",
    "SigningKey",
    "Subscription",
    "SubscriptionPeriod",
    "TotpCredential",
    "User",
]
