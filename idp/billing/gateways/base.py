"""What a payment gateway adapter does: turn a raw HTTP notification into a verified,
normalised ``Notification`` — or refuse it. A second gateway is one module implementing
``Gateway`` and one line in ``gateways/__init__.py``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal

# Normalised statuses: what the order should become.
PAID, AWAITING, EXPIRED, FAILED, REFUNDED = "paid", "awaiting", "expired", "failed", "refunded"


class GatewayError(ValueError):
    """A notification refused before it touches an order; ``status`` is the HTTP status."""

    status = 400
    error = "invalid_request"
    outcome = "rejected"  # how the audit row records it


class MalformedNotification(GatewayError):
    """The body is not a notification of this gateway."""

    outcome = "rejected_malformed"


class InvalidSignature(GatewayError):
    status = 401
    error = "invalid_signature"
    outcome = "rejected_signature"


class GatewayNotConfigured(GatewayError):
    status = 503
    error = "temporarily_unavailable"
    outcome = "rejected_unconfigured"


@dataclass(frozen=True)
class Notification:
    """A verified notification: which order, which gateway event, what it means."""

    order_ref: str  # our gateway_order_id
    transaction_id: str
    event: str  # the gateway's own status, the dedup key with transaction_id
    status: str  # one of PAID, AWAITING, EXPIRED, FAILED, REFUNDED
    amount: Decimal
    raw: dict = field(default_factory=dict)  # the body without its signature


class Gateway(ABC):
    name: str

    @abstractmethod
    def parse(self, body: bytes, settings) -> Notification:
        """Verify and normalise one notification; raise a GatewayError when refused."""

    def claimed(self, body: bytes) -> dict:
        """What a refused notification claimed, for the audit row (never a signature)."""
        return {}
