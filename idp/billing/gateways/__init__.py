"""Payment gateway adapters, by name (the last segment of /billing/notifications/<name>)."""

from __future__ import annotations

from .base import Gateway
from .midtrans import Midtrans

GATEWAYS: dict[str, Gateway] = {g.name: g for g in (Midtrans(),)}


def get_gateway(name: str) -> Gateway | None:
    """Return the adapter called ``name``, or None."""
    return GATEWAYS.get(name)
