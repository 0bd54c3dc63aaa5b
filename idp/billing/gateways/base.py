"""What a payment gateway adapter does: turn a raw HTTP notification into a verified,
normalised ``Notification`` — or refuse it — and confirm it with the gateway's own API.
A second gateway is one module implementing ``Gateway`` and one line in
``gateways/__init__.py``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from ...errors import IdPError
from ...i18n import N_

# Normalised statuses: what the order should become.
PAID, AWAITING, EXPIRED, FAILED, REFUNDED = "paid", "awaiting", "expired", "failed", "refunded"


class GatewayError(IdPError):
    """A notification refused before it touches an order; ``status`` is the HTTP status.

    ``outcome`` is how the refusal is recorded; None for a refusal that is ours, not the
    sender's (nothing configured, the gateway unreachable): neither recorded nor counted
    against the source (see billing/refusals.py).
    """

    status = 400
    error = "invalid_request"
    title = N_("Refused")
    outcome: str | None = "rejected"
    headers: ClassVar[dict[str, str]] = {}


class UnknownGateway(GatewayError):
    """No adapter of that name (the last segment of /billing/notifications/<name>)."""

    status = 404
    error = "not_found"
    outcome = None


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
    outcome = None
    headers: ClassVar[dict[str, str]] = {"Retry-After": "60"}


class GatewayUnavailable(GatewayError):
    """The gateway could not confirm the notification now (unreachable, timed out, an
    answer we cannot trust). Retryable: the gateway re-sends on any non-2xx."""

    status = 503
    error = "temporarily_unavailable"
    outcome = None
    headers: ClassVar[dict[str, str]] = {"Retry-After": "30"}


class Unconfirmed(GatewayError):
    """The gateway does not confirm the notification (no such transaction, another order,
    another amount): a forgery, or a notification meant for someone else."""

    status = 409
    outcome = "rejected_unconfirmed"


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

    @abstractmethod
    def confirm(self, order_ref: str, settings) -> Notification:
        """Ask the gateway itself for the order's current transaction (a notification only
        prompts the question); raise Unconfirmed or GatewayUnavailable."""

    def claimed(self, body: bytes) -> dict:
        """What a refused notification claimed, for the audit row (never a signature)."""
        return {}
