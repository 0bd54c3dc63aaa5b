"""Database triggers that stamp ``organizations.entitlement_version`` on every change.

An entitlement is read from organisations (the name), memberships (role, seat order),
subscriptions, subscription periods, plans and products. Whatever changes one of them
— a service, a billing callback, a job's bulk UPDATE, an operator's SQL — bumps the
version of every organisation it affects *in the same transaction*, so the entitlement
cache (orgs/cache.py, keyed by that version) can never serve an answer from before a
committed change, whatever happened to Redis meanwhile. A trigger rather than a call in
each service: no code path can forget it.

``install`` is idempotent. The migration that adds the column calls it, and on SQLite
``migrate.upgrade`` calls it again at the head: SQLite's batch migrations rebuild a
table (and drop its triggers) to alter it. A later migration that rebuilds one of these
tables on Postgres must call it too (tests/orgs/test_entitlement_version.py notices).
"""

from __future__ import annotations

from sqlalchemy import inspect, text

BUMP = "UPDATE organizations SET entitlement_version = entitlement_version + 1 WHERE "
# Which organisations a row of each table affects: (table, events, WHERE for NEW/OLD, WHEN).
# {row} is NEW or OLD. A membership's last_chosen_at (the picker's memory) changes nothing.
_MEMBERSHIP_CHANGED = ("OLD.role IS NOT NEW.role OR OLD.created_at IS NOT NEW.created_at "
                       "OR OLD.organization_id <> NEW.organization_id "
                       "OR OLD.user_id <> NEW.user_id")
RULES = [
    ("subscriptions", ("INSERT", "UPDATE", "DELETE"), "id = {row}.organization_id", None),
    ("memberships", ("INSERT", "DELETE"), "id = {row}.organization_id", None),
    ("memberships", ("UPDATE",), "id = {row}.organization_id", _MEMBERSHIP_CHANGED),
    ("subscription_periods", ("INSERT", "UPDATE", "DELETE"),
     "id IN (SELECT organization_id FROM subscriptions WHERE id = {row}.subscription_id)", None),
    # A plan change reaches every organisation on it, or with a period of it.
    ("plans", ("UPDATE",),
     ("id IN (SELECT organization_id FROM subscriptions WHERE plan_id = {row}.id "
      "UNION SELECT s.organization_id FROM subscription_periods p "
      "JOIN subscriptions s ON s.id = p.subscription_id WHERE p.plan_id = {row}.id)"), None),
    # The product catalogue (names, audiences) is part of every entitlement.
    ("products", ("INSERT", "UPDATE", "DELETE"), "TRUE", None),
    # The organisation's name is a claim.
    ("organizations", ("UPDATE",), "id = {row}.id", "OLD.name IS NOT NEW.name"),
]


def _rows(event: str) -> tuple[str, ...]:
    return {"INSERT": ("NEW",), "DELETE": ("OLD",), "UPDATE": ("OLD", "NEW")}[event]


def _name(table: str, event: str) -> str:
    return f"idp_entv_{table}_{event.lower()}"


def _where(template: str, event: str) -> str:
    return " OR ".join(f"({template.format(row=row)})" for row in _rows(event))


def _postgres(table: str, event: str, template: str, when: str | None) -> list[str]:
    name = _name(table, event)
    condition = f" WHEN ({when.replace(' IS NOT ', ' IS DISTINCT FROM ')})" if when else ""
    function = (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {BUMP}{_where(template, event)}; RETURN NULL; END $$")
    trigger = (f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition} "
               f"EXECUTE FUNCTION {name}()")
    return [function, f"DROP TRIGGER IF EXISTS {name} ON {table}", trigger]


def _sqlite(table: str, event: str, template: str, when: str | None) -> list[str]:
    condition = f" WHEN {when}" if when else ""
    where = _where(template, event).replace("TRUE", "1")
    trigger = (f"CREATE TRIGGER IF NOT EXISTS {_name(table, event)} AFTER {event} ON {table} "
               f"FOR EACH ROW{condition} BEGIN {BUMP}{where}; END")
    return [trigger]


def statements(dialect: str) -> list[str]:
    """The DDL that installs every trigger on ``dialect`` (postgresql or sqlite)."""
    build = _postgres if dialect == "postgresql" else _sqlite
    return [sql for table, events, template, when in RULES for event in events
            for sql in build(table, event, template, when)]


def names() -> list[str]:
    return [_name(table, event) for table, events, _, _ in RULES for event in events]


def install(connection) -> None:
    """Create (or replace) the triggers; a no-op before the version column exists."""
    columns = {c["name"] for c in inspect(connection).get_columns("organizations")} \
        if inspect(connection).has_table("organizations") else set()
    if "entitlement_version" not in columns:
        return
    for sql in statements(connection.dialect.name):
        connection.execute(text(sql))


def uninstall(connection) -> None:
    """Drop the triggers (and, on Postgres, their functions)."""
    for name in names():
        table = name.removeprefix("idp_entv_").rsplit("_", 1)[0]
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            connection.execute(text(f"DROP FUNCTION IF EXISTS {name}()"))
        else:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
