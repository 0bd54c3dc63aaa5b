"""Billing: the plan catalogue, orders, verified payment notifications, the subscription
lifecycle they drive, expiry and renewal reminders, and the organisation account service
(``accounts``; its pages are web/account.py and web/plans.py). After each commit billing
publishes what changed on ``account:<org id>`` (``lifecycle.publish_account_event``) for
the live account page (web/live.py); lost access is announced by orgs/changes.py alone.

Money rules (DESIGN.md "Invariants"): an order is paid at most once — one conditional
UPDATE, in the same transaction as the subscription change (``payments.py``,
``lifecycle.py``); a subscription starts or extends only after a signature-verified
notification whose status the gateway's own Get Status confirms (``gateways/``); every
confirmed notification is recorded under the confirmed transaction's unique key, so
duplicates, replays and out-of-order deliveries change nothing; refused ones are limited
and pruned (``refusals.py``). See docs/billing.md.
"""
