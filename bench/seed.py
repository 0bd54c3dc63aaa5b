"""Seed the scratch IdP for the benchmark; print what the drivers need as JSON.

Run by bench/run.py with the scratch IDP_* environment:
a person, an organisation on a "suite" plan (all three products, active),
a first-party portal client (no product: not gated), a product client
(gated by the entitlement check), a client_credentials client and one
client per signing algorithm (each alg gets a key). ``BENCH_SEED_ALGS=RS256``
(comma-separated) limits those to the ones named: bench/run.py --compare-node
seeds RS256 only, so our JWKS publishes one RSA key, like the peer's.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REDIRECT = "http://127.0.0.1:9/callback"
PASSWORD = "correct horse battery staple 42"
# One person per simulated browser: the lockout counts password attempts in
# flight per account (5), so 16 browsers signing in as one person would be refused.
PEOPLE = 64
ALGS = ("RS256", "ES256", "EdDSA", "PS256")


def algs() -> tuple[str, ...]:
    named = [a for a in os.environ.get("BENCH_SEED_ALGS", "").split(",") if a]
    return tuple(a for a in ALGS if not named or a in named)


def _client(create_client, name, **options):
    client, secret = create_client(name, [REDIRECT], first_party=True, **options)
    return {"client_id": client.client_id, "client_secret": secret}


def seed_tenants(create_user, set_password_hash, shared_hash, spec: str) -> list[dict]:
    """``BENCH_TENANTS=ORGSxADMINS``: organisations each with that many admins (whose
    account pages bench/streams_bench.py opens)."""
    from idp.orgs import organizations

    orgs, admins = (int(n) for n in spec.lower().split("x"))
    tenants = []
    for i in range(orgs):
        org = organizations.create_organization(f"Tenant {i}")
        emails = [f"admin{j}@tenant{i}.example" for j in range(admins)]
        for email in emails:
            set_password_hash(create_user(email), shared_hash)
            organizations.add_member(org.id, email, role="admin")
        tenants.append({"organization_id": org.id, "admins": emails})
    return tenants


def seed() -> dict:
    from idp.accounts.users import create_user, set_password_hash
    from idp.clients.registry import create_client
    from idp.crypto.hashing import hash_password
    from idp.orgs import organizations, plans, subscriptions

    shared_hash = hash_password(PASSWORD)  # one argon2id hash, stored for everyone
    org = organizations.create_organization("Bench Ltd")
    plans.create_plan("suite", "Suite", ["building", "project", "asset"], seats=PEOPLE)
    subscriptions.start(org.id, "suite")
    emails = [f"bench{i}@bench.example" for i in range(PEOPLE)]
    for email in emails:
        set_password_hash(create_user(email), shared_hash)
        organizations.add_member(org.id, email)
    tenants = os.environ.get("BENCH_TENANTS")
    return {
        "tenants": seed_tenants(create_user, set_password_hash, shared_hash, tenants)
        if tenants else [],
        "emails": emails, "password": PASSWORD, "redirect_uri": REDIRECT,
        "organization_id": org.id,
        "portal": _client(create_client, "Bench portal"),
        "product": _client(create_client, "Bench Project", product="project"),
        "service": _client(create_client, "Bench service", grant_types=["client_credentials"]),
        "algs": {alg: _client(create_client, f"Bench {alg}", id_token_signed_response_alg=alg)
                 for alg in algs()},
    }


def main() -> None:
    from idp import create_app

    app = create_app(announce=lambda line: None)
    with app.app_context():
        data = seed()
    out = os.environ.get("BENCH_SEED_OUT")
    text = json.dumps(data)
    if out:
        Path(out).write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
