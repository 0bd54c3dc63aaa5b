"""What the demo needs in the IdP: plans, two organisations, a person in each, three clients.

Idempotent: a second run finds what the first made and only brings it up to
date — the clients' URIs (``--port`` may have moved), their secrets (shown
once, so each run issues new ones to its apps), the people's passwords (new
each run, printed), and a subscription whose period is about to end. It goes
through the same services as the ``idp`` command (orgs, plans, subscriptions,
clients, users). Runs inside the IdP's app context.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from .. import clock
from ..accounts.users import create_user, find_by_email, set_password
from ..clients.registry import create_client, find_client, rotate_secret, update_client
from ..orgs import subscriptions
from ..orgs.current import current_subscription
from ..orgs.organizations import add_member, create_organization, find_organization, members
from ..orgs.plans import create_plan, find_plan
from ..orgs.products import list_products
from ..rp.flask import registration_uris

PRODUCTS = ("building", "project", "asset")
# Plan limits shown on the apps' pages (None: unlimited), README "Plan claims".
PLANS = {
    "duo": {"name": "Duo", "products": ["building", "project"], "tier": 2, "seats": 10,
            "projects": 25, "storage_gb": 50},
    "suite": {"name": "Suite", "products": list(PRODUCTS), "tier": 3, "seats": 25,
              "assets": 1000, "storage_gb": 500},
}
PEOPLE = (
    {"email": "ana@acme.example", "given": "Ana", "family": "Putri",
     "org": "Acme Contractors", "plan": "duo"},
    {"email": "budi@nusantara.example", "given": "Budi", "family": "Santoso",
     "org": "Nusantara Estates", "plan": "suite"},
)
CLIENT_IDS = {product: f"demo{product}" for product in PRODUCTS}  # letters and digits only
RENEW_BEFORE = timedelta(days=1)


@dataclass(frozen=True)
class Seeded:
    people: list[dict]  # {email, password, plan, organisation, name}
    clients: dict  # product → {client_id, client_secret, audience}


def seed(app_urls: dict[str, str]) -> Seeded:
    """Create or refresh the demo's records; ``app_urls`` maps product → base URL."""
    for code, plan in PLANS.items():
        if find_plan(code) is None:
            options = {k: v for k, v in plan.items() if k not in ("name", "products")}
            create_plan(code, plan["name"], plan["products"], period_days=30, **options)
    people = [_person(spec) for spec in PEOPLE]
    audiences = {p.code: p.audience for p in list_products()}
    clients = {product: dict(_client(product, url), audience=audiences[product])
               for product, url in app_urls.items()}
    return Seeded(people, clients)


def _person(spec: dict) -> dict:
    password = secrets.token_urlsafe(9)  # 12 characters, new each run
    if find_by_email(spec["email"]) is None:
        create_user(spec["email"], password, spec["given"], spec["family"], email_verified=True)
    else:
        set_password(spec["email"], password)
    org = find_organization(spec["org"]) or create_organization(spec["org"])
    _subscribe(org, spec["plan"])
    if not any(user.email == spec["email"] for _, user in members(org)):
        add_member(org.id, spec["email"], "owner")
    return {"email": spec["email"], "password": password, "plan": spec["plan"],
            "organisation": spec["org"], "name": f"{spec['given']} {spec['family']}"}


def _subscribe(org, plan: str) -> None:
    """An active subscription on ``plan`` with at least a day left."""
    current = current_subscription(org.id)
    if current is None:
        subscriptions.start(org.id, plan)
        return
    if current.plan.code != plan:
        subscriptions.change_plan(org.id, plan)
    end = current.current_period_end
    if current.status != "active" or end is None or end <= clock.now() + RENEW_BEFORE:
        subscriptions.activate_or_extend(org.id, plan)


def _client(product: str, base_url: str) -> dict:
    uris = registration_uris(base_url)
    fields = {"redirect_uris": [uris["redirect_uri"]],
              "post_logout_redirect_uris": [uris["post_logout_redirect_uri"]],
              "backchannel_logout_uri": uris["backchannel_logout_uri"]}
    client_id = CLIENT_IDS[product]
    if find_client(client_id) is None:
        _, secret = create_client(f"Tomps {product.title()}", fields["redirect_uris"],
                                  first_party=True, product=product, client_id=client_id,
                                  post_logout_redirect_uris=fields["post_logout_redirect_uris"],
                                  backchannel_logout_uri=fields["backchannel_logout_uri"])
    else:
        update_client(client_id, first_party=True, product=product, **fields)
        _, secret = rotate_secret(client_id)
    return {"client_id": client_id, "client_secret": secret}
