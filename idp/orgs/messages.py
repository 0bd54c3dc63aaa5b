"""Texts for refused access: one sentence per reason, safe for people and for error_description."""

from __future__ import annotations

import re

from ..i18n import N_

# RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
_UNSAFE = re.compile(r'[^\x20-\x21\x23-\x5b\x5d-\x7e]')

TEXTS = {
    "not_a_member": N_("You are not a member of this organisation."),
    "no_organization": N_("You are not a member of any organisation with a Tomps plan."),
    "no_subscription": N_("Your organisation has no subscription."),
    "payment_pending": N_("Payment for your organisation's subscription is pending."),
    "past_due": N_("Payment for your organisation's subscription is past due."),
    "cancelled": N_("Your organisation's subscription was cancelled."),
    "seat_limit": N_("Every seat of your organisation's plan is taken."),
}


def safe(text: str) -> str:
    """Drop characters error_description may not carry."""
    return _UNSAFE.sub("", text)


def describe(decision) -> str:
    """The sentence explaining a Decision (empty when allowed)."""
    if decision.allowed:
        return ""
    if decision.reason == "product_not_in_plan":
        # Pages say it in the person's language (web/errors.py refusal_sentence).
        return safe(f"{decision.product_name} is not included in your organisation's plan.")
    if decision.reason == "expired":
        if decision.ended_at is not None:
            return f"Your organisation's plan ended on {decision.ended_at:%Y-%m-%d}."
        return "Your organisation's plan has ended."
    return TEXTS.get(decision.reason, "Access is not allowed.")
