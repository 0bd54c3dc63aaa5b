"""Organisations, memberships, products, plans, subscriptions — and the entitlement function.

``entitlements.resolve(user_id, organization_id)`` is the one answer to "what may
this person of this organisation use at this moment"; everything else here keeps
the records it reads (organizations.py, plans.py, products.py, subscriptions.py,
periods.py — each paid period carries its plan, timeline.py judges them at lookup),
caches entitlements under a version stamped by the database (cache.py), announces
lost access from a durable outbox (changes.py, outbox.py), audits subscription changes
(audit_trail.py), or lets a person pick an organisation (selection.py, views.py).
Services raise ``OrgError`` (a ValueError)
with a message safe to show; the CLI prints it as one line.
"""
