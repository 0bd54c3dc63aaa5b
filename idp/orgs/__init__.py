"""Organisations, memberships, products, plans, subscriptions — and the entitlement function.

``entitlements.resolve(user_id, organization_id)`` is the one answer to "what may
this person of this organisation use at this moment". Each noun has one lookup here,
which every caller uses (the CLI, billing, the pages): an organisation
(``organizations.find_organization`` / ``get_organization``; its row lock
``organizations.lock``), its company information (``company.check``), a plan
(``plans.find_plan`` / ``get_plan``; ``list_plans``), the current subscription
(``current.current_subscription``, ``subscription_of``, ``renewal_plan``), the
organisations of a person (``selection.organizations_for``).

The rest keeps the records entitlements are read from (subscriptions.py, periods.py —
each paid period carries its plan, timeline.py judges them at lookup), caches
entitlements under a version stamped by the database (cache.py), announces lost access
from a durable outbox — the one path, billing's changes included (changes.py,
outbox.py) — and audits subscription changes (audit_trail.py). Services raise
``OrgError`` (an ``IdPError``) with a message safe to show; the CLI prints it as one line.
"""
