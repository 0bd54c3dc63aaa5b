"""CPU, SQL statements and Redis calls per request of the read endpoints, in-process.

    python bench/profile_read.py [-n 2000] [--profile NAME] [--only NAME[,NAME...]]

Deterministic where the HTTP benchmark is noisy: the app is built in this
process against a scratch Postgres database and Redis prefix (bench/harness.py,
seeded by bench/seed.py), an access token is minted for the portal client, and
N requests per endpoint go through ``app.test_client()`` in 5 rounds, timed
with ``time.process_time()`` (the least of the rounds is reported: other work
on the box only adds). That is this process's CPU only: the HTTP server and the
load generator are not in it, Postgres and Redis are not either. SQL statements
are counted with SQLAlchemy's ``before_cursor_execute``, Redis round trips by
wrapping the client's ``execute_command`` and ``Pipeline.execute``. ``hello`` is a bare Flask app
through the same test client (the floor); ``hello_idp`` is a route of the
IdP's own app that does nothing, so ``hello_idp - hello`` is what the
per-request middleware costs. ``--access-log`` measures with the JSON access
line on (production's INFO level; the HTTP benchmark runs at WARNING).
``--profile NAME`` prints cProfile's top functions for one endpoint.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis
from harness import free_port, scratch_environment

NAMES = ("hello", "hello_idp", "discovery", "jwks", "userinfo", "introspection")


class Counters:
    def __init__(self):
        self.sql = 0
        self.pg = 0  # Postgres round trips (bench/pgcount.py: BEGIN, pre-ping, ROLLBACK too)
        self.redis = 0
        self.trace: list[str] | None = None  # when a list: what one request sent


def instrument(app, counters: Counters) -> None:
    from pgcount import install as count_round_trips
    from sqlalchemy import event

    from idp.extensions import db

    def on_round_trip(what, trips):
        counters.pg += trips
        if counters.trace is not None:
            counters.trace.append(f"Postgres x{trips} {what}")

    count_round_trips(on_round_trip)

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args, **_kw):
        counters.sql += 1
        if counters.trace is not None:
            counters.trace.append("SQL " + " ".join(statement.split())[:100])

    client = app.extensions["idp.store"].client
    original = client.execute_command

    def counted(*args, **kwargs):
        counters.redis += 1
        if counters.trace is not None:
            counters.trace.append(f"Redis {args[0]} {str(args[1])[:60] if len(args) > 1 else ''}")
        return original(*args, **kwargs)

    client.execute_command = counted
    pipeline_execute = redis.client.Pipeline.execute

    def counted_pipeline(self, *args, **kwargs):  # one round trip (MULTI ... EXEC)
        counters.redis += 1
        if counters.trace is not None:
            counters.trace.append("Redis pipeline " + " ".join(str(c[0][0]) for c in self.command_stack))
        return pipeline_execute(self, *args, **kwargs)

    redis.client.Pipeline.execute = counted_pipeline


def mint(app, seed: dict) -> str:
    from idp.clients.registry import find_client
    from idp.oidc import access_tokens
    from idp.storage.models import User

    with app.app_context():
        from idp.extensions import db

        client = find_client(seed["portal"]["client_id"])
        user = db.session.scalar(db.select(User).where(User.email == seed["emails"][0]))
        token, _ = access_tokens.mint(client, user, "openid profile email offline_access",
                                      {"organization_id": seed["organization_id"],
                                       "auth_time": int(time.time()), "amr": ["pwd"]})
        return token


def basic(client: dict) -> str:
    raw = f"{client['client_id']}:{client['client_secret']}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def requests_for(seed: dict, token: str) -> dict:
    """name → (method, path, kwargs) as the HTTP benchmark sends them."""
    return {
        "hello_idp": ("GET", "/__bench_hello", {}),
        "discovery": ("GET", "/.well-known/openid-configuration", {}),
        "jwks": ("GET", "/.well-known/jwks.json", {}),
        "userinfo": ("GET", "/oauth2/userinfo", {"headers": {"Authorization": f"Bearer {token}"}}),
        "introspection": ("POST", "/oauth2/introspect", {
            "data": {"token": token}, "headers": {"Authorization": basic(seed["portal"])}}),
    }


def hello_app():
    from flask import Flask

    app = Flask("hello")
    app.add_url_rule("/__bench_hello", "hello", lambda: "hello")
    return app


def measure(http, counters, method, path, kwargs, n: int, expect=(200,), trace=False) -> dict:
    for _ in range(20):  # warm caches (signer, clients, argon2 memo, entitlements)
        response = http.open(path, method=method, **kwargs)
    if response.status_code not in expect:
        sys.exit(f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:200]}")
    if trace:
        counters.trace = []
        http.open(path, method=method, **kwargs)
        print(f"{path}:", *counters.trace, sep="\n    ")
        counters.trace = None
    counters.sql = counters.pg = counters.redis = 0
    rounds, best = 5, float("inf")
    for _ in range(rounds):  # the least CPU of 5 rounds: other work on the box only adds
        started = time.process_time()
        for _ in range(n // rounds):
            http.open(path, method=method, **kwargs)
        best = min(best, (time.process_time() - started) / (n // rounds))
    total = rounds * (n // rounds)
    return {"cpu_ms": 1000 * best, "sql": counters.sql / total, "pg": counters.pg / total,
            "redis": counters.redis / total}


def profile(http, method, path, kwargs, n: int) -> None:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        http.open(path, method=method, **kwargs)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    pstats.Stats(prof).sort_stats("cumulative").print_stats(40)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per endpoint")
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", choices=NAMES, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--trace", action="store_true",
                        help="print the SQL statements and Redis commands of one request each")
    parser.add_argument("--access-log", action="store_true",
                        help="log at INFO in JSON (the access line on; send stderr elsewhere)")
    args = parser.parse_args(argv)
    only = [x for x in args.only.split(",") if x] or list(NAMES)
    with scratch_environment(free_port()) as env:
        os.environ.update(env)
        if args.access_log:
            os.environ.update({"IDP_LOG_LEVEL": "INFO", "IDP_LOG_FORMAT": "json"})
        import subprocess

        seed = json.loads(subprocess.run([sys.executable, str(Path(__file__).parent / "seed.py")],
                                         env=env, check=True, capture_output=True,
                                         text=True).stdout)
        from idp import create_app
        from idp.cli.serve import prepare

        app = create_app(announce=lambda line: None)
        app.add_url_rule("/__bench_hello", "bench_hello", lambda: "hello")
        prepare(app)
        counters = Counters()
        instrument(app, counters)
        token = mint(app, seed)
        reqs = requests_for(seed, token)
        results = {}
        for name in only:
            if name == "hello":
                bare = hello_app()
                results[name] = measure(bare.test_client(), Counters(), "GET", "/__bench_hello",
                                        {}, args.n)
                continue
            method, path, kwargs = reqs[name]
            if args.profile == name:
                profile(app.test_client(), method, path, kwargs, args.n)
            results[name] = measure(app.test_client(), counters, method, path, kwargs, args.n,
                                    trace=args.trace)
        if args.json:
            print(json.dumps(results))
        print(f"{'endpoint':<16} {'cpu ms/req':>10} {'sql/req':>8} {'pg trips/req':>12} "
              f"{'redis/req':>9}")
        for name, r in results.items():
            print(f"{name:<16} {r['cpu_ms']:>10.3f} {r['sql']:>8.2f} {r.get('pg', 0):>12.2f} "
                  f"{r['redis']:>9.2f}")


if __name__ == "__main__":
    main()
