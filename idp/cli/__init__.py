"""The ``idp`` command: a thin client of the same services the web uses.

One click module per resource; each prints a table or ``--json`` and fails
with one line and a non-zero exit, changing nothing.
"""

from __future__ import annotations

import click

from . import (
    audit,
    billing,
    clients,
    db,
    demo,
    keys,
    orders,
    orgs,
    orgs_federation,
    orgs_security,
    plans,
    products,
    serve,
    sessions,
    subscriptions,
    users,
    worker,
)

COMMANDS = [
    serve.serve,
    demo.demo,
    db.db,
    users.users,
    clients.clients,
    orgs.orgs,
    products.products,
    plans.plans,
    subscriptions.subscriptions,
    orders.orders,
    billing.billing,
    keys.keys,
    sessions.sessions,
    worker.worker,
    audit.audit,
    orgs_security.security,
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tomps-identity", prog_name="idp")
def cli():
    """Tomps Identity: the OpenID Connect provider of the Tomps suite."""


for command in COMMANDS:
    cli.add_command(command)
orgs.orgs.add_command(orgs_federation.federation)


def main() -> None:
    from .output import internal_error

    try:
        cli(prog_name="idp", standalone_mode=True)
    except Exception as exc:  # noqa: BLE001 — outside with_app (serve, demo): still a bug
        raise SystemExit(internal_error(exc).exit_code) from None
