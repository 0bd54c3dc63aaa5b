"""Every SQLAlchemy model, by domain. Importing this package registers them all
on ``db.metadata`` (what Alembic compares against)."""

from .accounts import User
from .announcements import EntitlementAnnouncement
from .audit import AuditEvent
from .billing import Order, PaymentNotification, Reminder
from .federation import FederatedIdentity, FederationDomain, OrgFederation
from .invitations import Invitation
from .keys import SigningKey
from .oauth import Client, Consent, RefreshToken, RevokedToken
from .passkeys import Passkey
from .orgs import Membership, Organization, Plan, Product, Subscription, SubscriptionPeriod
from .sessions import BackchannelAttempt, BackchannelDelivery
from .totp import RecoveryCode, TotpCredential

__all__ = [
    "AuditEvent",
    "BackchannelAttempt",
    "BackchannelDelivery",
    "Client",
    "Consent",
    "EntitlementAnnouncement",
    "FederatedIdentity",
    "FederationDomain",
    "Invitation",
    "Membership",
    "Order",
    "OrgFederation",
    "Organization",
    "Passkey",
    "PaymentNotification",
    "Plan",
    "Product",
    "RecoveryCode",
    "RefreshToken",
    "Reminder",
    "RevokedToken",
    "SigningKey",
    "Subscription",
    "SubscriptionPeriod",
    "TotpCredential",
    "User",
]
