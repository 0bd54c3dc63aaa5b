"""Billing: the plan catalogue, orders, verified payment notifications, the subscription
lifecycle they drive, expiry and renewal reminders, and the organisation account pages.

Money rules (DESIGN.md "Invariants"): an order is paid at most once — one conditional
UPDATE, in the same transaction as the subscription change (``payments.py``,
``lifecycle.py``); a subscription starts or extends only after a signature-verified
confirmation (``gateways/``); every notification is recorded under a unique key, so
duplicates and out-of-order deliveries change nothing.
"""
