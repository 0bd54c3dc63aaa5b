"""CPU, SQL statements and Redis round trips per request on the token path, in-process.

Deterministic where the HTTP benchmark is not (the machine is shared): builds the
app against a scratch Postgres database and Redis prefix (bench/harness.py),
seeds it (bench/seed.py), signs one person in, pre-mints N codes and N refresh
tokens, then times N requests of each kind through ``app.test_client()`` with
``time.process_time()`` (this process's CPU: the app, psycopg and redis-py
client work; not the Postgres or Redis servers).

    python bench/profile_token.py [--n 300] [--only refresh,refresh_gated,code_exchange,...]
                                  [--profile NAME]   # cProfile one kind, top 30 by tottime

Kinds: refresh, code_exchange, code_exchange_gated (product client, gate on),
client_credentials, authorize, authorize_gated.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import os
import pstats
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import free_port, scratch_environment

VERIFIER = secrets.token_urlsafe(48)
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
KINDS = ("refresh", "refresh_gated", "code_exchange", "code_exchange_gated", "client_credentials",
         "authorize", "authorize_gated")


class Counters:
    """SQL statements (cursor executions), Postgres round trips (bench/pgcount.py: BEGIN,
    pre-ping, COMMIT included) and Redis round trips (a pipeline counts once)."""

    def __init__(self):
        self.sql = 0
        self.pg = 0
        self.redis = 0
        self.trace: list | None = None  # (kind, first words) of each call, when tracing

    def install(self) -> None:
        import redis
        from sqlalchemy import Engine, event

        from bench import pgcount

        def on_round_trip(what, trips):
            self.pg += trips
            if self.trace is not None:
                self.trace.append((f"pg x{trips}", what))

        pgcount.install(on_round_trip)

        def on_sql(_conn, _cursor, statement, *_args, **_kw):
            self.sql += 1
            if self.trace is not None:
                self.trace.append(("sql", " ".join(statement.split())[:90]))

        event.listen(Engine, "before_cursor_execute", on_sql)  # the audit pool too
        counters = self
        plain, piped = redis.Redis.execute_command, redis.client.Pipeline.execute

        def execute_command(self, *args, **options):
            counters.redis += 1
            if counters.trace is not None:
                counters.trace.append(("redis", " ".join(map(str, args))[:90]))
            return plain(self, *args, **options)

        def execute(self, *args, **kwargs):
            counters.redis += 1
            if counters.trace is not None:
                names = " | ".join(" ".join(map(str, c[0]))[:60] for c in self.command_stack)
                counters.trace.append(("redis pipeline", names))
            return piped(self, *args, **kwargs)

        redis.Redis.execute_command = execute_command
        redis.client.Pipeline.execute = execute


def basic(client: dict) -> dict:
    raw = f"{client['client_id']}:{client['client_secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def sign_in(web, email: str, password: str) -> None:
    from tests.helpers.web import login

    response = login(web, email, password)
    assert response.status_code in (302, 303), response.status_code


def authorize(web, client: dict, redirect_uri: str) -> str:
    response = web.get("/oauth2/authorize", query_string={
        "response_type": "code", "client_id": client["client_id"], "redirect_uri": redirect_uri,
        "scope": "openid profile email", "state": "s", "nonce": secrets.token_urlsafe(12),
        "code_challenge": CHALLENGE, "code_challenge_method": "S256"})
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:300])
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


def exchange(web, client: dict, code: str, redirect_uri: str) -> dict:
    response = web.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": VERIFIER}, headers=basic(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def refresh(web, client: dict, token: str) -> dict:
    response = web.post("/oauth2/token", data={"grant_type": "refresh_token",
                                               "refresh_token": token}, headers=basic(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def credentials(web, client: dict) -> dict:
    response = web.post("/oauth2/token", data={"grant_type": "client_credentials"},
                        headers=basic(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def prepare(kind: str, web, seed: dict, n: int):
    """Return a callable doing request i (inputs minted beforehand, untimed)."""
    uri = seed["redirect_uri"]
    portal, product, service = seed["portal"], seed["product"], seed["service"]
    if kind == "refresh":
        tokens = [exchange(web, portal, authorize(web, portal, uri), uri)["refresh_token"]
                  for _ in range(n)]
        return lambda i: refresh(web, portal, tokens[i])
    if kind == "refresh_gated":  # what --compare-node measures: the product client, gate on
        tokens = [exchange(web, product, authorize(web, product, uri), uri)["refresh_token"]
                  for _ in range(n)]
        return lambda i: refresh(web, product, tokens[i])
    if kind == "code_exchange":
        codes = [authorize(web, portal, uri) for _ in range(n)]
        return lambda i: exchange(web, portal, codes[i], uri)
    if kind == "code_exchange_gated":
        codes = [authorize(web, product, uri) for _ in range(n)]
        return lambda i: exchange(web, product, codes[i], uri)
    if kind == "client_credentials":
        return lambda i: credentials(web, service)
    if kind == "authorize":
        return lambda i: authorize(web, portal, uri)
    if kind == "authorize_gated":
        return lambda i: authorize(web, product, uri)
    raise SystemExit(f"unknown kind {kind}")


def measure(kind: str, call, n: int, counters: Counters, profile: bool) -> str:
    runs = n - min(20, n // 10) - (1 if profile else 0)
    for i in range(min(20, n // 10)):  # warm caches (signer, clients, entitlements)
        call(n - 1 - i) if kind in ("refresh", "refresh_gated", "code_exchange",
                                      "code_exchange_gated") else call(i)
    sql0, pg0, redis0 = counters.sql, counters.pg, counters.redis
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not wall
    if profiler:
        profiler.enable()
    started = time.process_time()
    for i in range(runs):
        call(i)
    cpu = time.process_time() - started
    if profiler:
        profiler.disable()
        counters.trace = []
        call(runs)  # one more, traced: every SQL statement and Redis call it made
        print(f"--- {kind}: one request's SQL and Redis calls")
        print("\n".join(f"{what:>15}  {text}" for what, text in counters.trace))
        counters.trace = None
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return (f"{kind:<20} {1000 * cpu / runs:8.2f} ms CPU/req {(counters.sql - sql0) / runs:6.1f} SQL "
            f"{(counters.pg - pg0) / runs:6.1f} Postgres round trips "
            f"{(counters.redis - redis0) / runs:6.1f} Redis  (n={runs})")


def run(args) -> None:
    from bench.seed import PASSWORD
    from bench.seed import seed as seed_idp
    from idp import create_app
    from idp.extensions import db

    app = create_app(announce=lambda line: None)  # TESTING stays off: production paths
    kinds = args.only.split(",") if args.only else list(KINDS)
    with app.app_context():
        seed = seed_idp()
        counters = Counters()
        counters.install()
    web = app.test_client()
    sign_in(web, seed["emails"][0], PASSWORD)
    lines = []
    for kind in kinds:
        call = prepare(kind, web, seed, args.n)
        lines.append(measure(kind, call, args.n, counters, kind == args.profile))
    print("\n".join(lines))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    with scratch_environment(free_port()) as env:
        os.environ.update(env)
        os.environ.update({"IDP_ARGON2_TIME_COST": "1", "IDP_ARGON2_MEMORY_COST": "8192",
                           "IDP_TOKEN_RATE_LIMIT_PER_CLIENT": "1000000"})
        run(args)


if __name__ == "__main__":
    main()
