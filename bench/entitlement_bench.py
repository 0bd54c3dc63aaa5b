"""Entitlement lookup cost: Postgres only, cold cache (miss + fill), warm cache.

The cache is keyed by the organisation's entitlement version in Postgres: "warm" reads
that version (one primary-key SELECT) and then the entry (one Redis GET); "warm, version
known" is what the refresh grant and userinfo do, the version joined into a query they
run anyway.

Standalone: creates a scratch Postgres database and a Redis key prefix of its
own, runs the lookups, prints µs per lookup and lookups/s, then drops the
database and deletes its keys.

    python bench/entitlement_bench.py [--lookups 2000] [--members 50]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _environment(args, name: str, tmp: str) -> None:
    base = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    os.environ.update({
        "IDP_DATABASE_URL": f"{base}/{name}", "IDP_REDIS_URL": args.redis,
        "IDP_REDIS_PREFIX": f"idpbench:{secrets.token_hex(4)}:",
        "IDP_SECRET_KEY": secrets.token_urlsafe(32),
        "IDP_KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="),
        "IDP_INSTANCE_PATH": f"{tmp}/instance", "IDP_KEYS_PATH": f"{tmp}/keys",
        "IDP_LOG_LEVEL": "WARNING", "IDP_ARGON2_TIME_COST": "1", "IDP_ARGON2_MEMORY_COST": "8192",
    })


def _populate(members: int) -> tuple[int, list[int]]:
    from idp.accounts.users import create_user
    from idp.orgs import organizations, plans, subscriptions

    org = organizations.create_organization("Bench Ltd")
    users = []
    for i in range(members):
        user = create_user(f"member{i}@bench.example")
        organizations.add_member(org.id, user.email)
        users.append(user.id)
    plans.create_plan("suite", "Suite", ["building", "project", "asset"], seats=members // 2)
    subscriptions.start(org.id, "suite")
    return org.id, users


def _measure(label: str, lookups: int, users: list[int], lookup) -> None:
    started = time.perf_counter()
    for i in range(lookups):
        lookup(users[i % len(users)])
    elapsed = time.perf_counter() - started
    print(f"{label:<34} {elapsed / lookups * 1e6:9.1f} µs/lookup {lookups / elapsed:10.0f} lookups/s")


def run(args) -> None:
    from sqlalchemy import update

    from idp import create_app
    from idp.extensions import db
    from idp.orgs import cache, entitlements
    from idp.storage import migrate
    from idp.storage.models import Organization
    from idp.storage.store import get_store

    app = create_app(announce=lambda line: None)
    with app.app_context():
        try:
            migrate.upgrade()
            org_id, users = _populate(args.members)
            print(f"{args.lookups} lookups over {len(users)} members of one organisation")
            _measure("uncached (Postgres only)", args.lookups, users,
                     lambda uid: entitlements.resolve(uid, org_id, use_cache=False))

            def cold(uid):
                db.session.execute(update(Organization).where(Organization.id == org_id).values(
                    entitlement_version=Organization.entitlement_version + 1))
                db.session.commit()  # a change: the next lookup misses
                entitlements.resolve(uid, org_id)

            _measure("cold cache (change, miss, fill)", args.lookups, users, cold)
            for uid in users:
                entitlements.resolve(uid, org_id)
            _measure("warm cache (version read + Redis)", args.lookups, users,
                     lambda uid: entitlements.resolve(uid, org_id))
            version = cache.version(org_id)
            _measure("warm cache, version known (Redis)", args.lookups, users,
                     lambda uid: entitlements.resolve(uid, org_id, version=version))
        finally:
            get_store().clear()
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get(
        "IDP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis", default=os.environ.get("IDP_TEST_REDIS", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    name = f"idp_bench_{secrets.token_hex(4)}"
    with psycopg.connect(args.postgres, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _environment(args, name, tmp)
            run(args)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
