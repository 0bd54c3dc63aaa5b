"""CPU per request of the endpoints the event loop answers, in-process, through the ASGI front.

    python bench/profile_loop.py [-n 2000] [--only userinfo,introspection] [--profile NAME]

The app is built as in bench/profile_read.py (scratch Postgres database and Redis prefix,
seeded by bench/seed.py, an access token of the portal client with its organisation), then
each request is one ASGI call of the front (idp/web/asgi.py) on this process's event loop:
the loop's own answers (web/loop_routes.py, oidc/loop_endpoints.py) and, when they pass,
Flask on the front's thread pool. CPU from ``time.process_time()``, the least of 5 rounds;
``via flask`` is the share of requests the loop left to Flask (the signer's key cache and
the client cache are due for a reload every few seconds). No HTTP parsing and no load
generator: the HTTP benchmark (bench/run.py) adds those.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time

import uvloop
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import free_port, scratch_environment
from profile_read import basic, mint

NAMES = ("discovery", "jwks", "userinfo", "introspection", "refresh")


def requests_for(seed: dict, token: str) -> dict:
    """name → (method, path, headers, body)."""
    return {
        "discovery": ("GET", "/.well-known/openid-configuration", [], b""),
        "jwks": ("GET", "/.well-known/jwks.json", [], b""),
        "userinfo": ("GET", "/oauth2/userinfo",
                     [(b"authorization", f"Bearer {token}".encode())], b""),
        "introspection": ("POST", "/oauth2/introspect", [
            (b"authorization", basic(seed["portal"]).encode()),
            (b"content-type", b"application/x-www-form-urlencoded")],
            f"token={token}".encode()),
    }


async def call(front, method, path, headers, body) -> int:
    scope = {"type": "http", "method": method, "path": path, "root_path": "",
             "query_string": b"", "http_version": "1.1", "scheme": "http",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 40000),
             "headers": [*headers, (b"content-length", str(len(body)).encode())]}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await front(scope, receive, send)
    return sent[0]["status"]


async def measure(front, request, n: int, flask_calls: list, concurrency: int = 1) -> dict:
    for _ in range(20):
        status = await call(front, *request)
    if status != 200:
        sys.exit(f"{request[1]}: {status}")
    best, flask_calls[:] = float("inf"), []
    rounds = 5

    async def serial(count):
        for _ in range(count):
            await call(front, *request)

    for _ in range(rounds):
        started = time.process_time()
        per = n // rounds // concurrency
        await asyncio.gather(*(serial(per) for _ in range(concurrency)))
        best = min(best, (time.process_time() - started) / (per * concurrency))
    return {"cpu_ms": 1000 * best, "via_flask": len(flask_calls) / (rounds * (n // rounds))}



def refresh_requests(app, seed: dict, n: int) -> list:
    """``n`` refresh requests of the product client (gate on), each with its own token
    (minted through the thread path first, untimed): what --compare-node measures."""
    from bench.profile_token import authorize, exchange, sign_in
    from bench.seed import PASSWORD

    web = app.test_client()
    sign_in(web, seed["emails"][0], PASSWORD)
    uri, product = seed["redirect_uri"], seed["product"]
    tokens = [exchange(web, product, authorize(web, product, uri), uri)["refresh_token"]
              for _ in range(n)]
    auth = basic(product).encode()
    return [("POST", "/oauth2/token", [(b"authorization", auth), (b"content-type",
             b"application/x-www-form-urlencoded")],
             f"grant_type=refresh_token&refresh_token={t}".encode()) for t in tokens]


async def measure_each(front, requests_, flask_calls: list, concurrency: int,
                       profile: bool = False) -> dict:
    """CPU per request over requests that are each used once (refresh tokens)."""
    for request in requests_[:20]:
        status = await call(front, *request)
    if status != 200:
        sys.exit(f"refresh: {status}")
    rest, flask_calls[:] = requests_[20:], []
    queue = list(rest)

    async def serial():
        while queue:
            await call(front, *queue.pop())

    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    started = time.process_time()
    await asyncio.gather(*(serial() for _ in range(concurrency)))
    spent = time.process_time() - started
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(35)
    return {"cpu_ms": 1000 * spent / len(rest),
            "via_flask": len(flask_calls) / len(rest)}


async def run(app, reqs, only, n, profile_name, concurrency=1) -> dict:
    from idp.web.asgi import ASGIFront

    front = ASGIFront(app, 4)
    flask_calls: list = []
    inner = app.wsgi_app

    def counting(environ, start_response):
        flask_calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting
    results = {}
    for name in only:
        if name == "refresh":
            results[name] = await measure_each(front, reqs[name], flask_calls, concurrency,
                                               profile_name == name)
            continue
        if profile_name == name:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(n):
                await call(front, *reqs[name])
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        results[name] = await measure(front, reqs[name], n, flask_calls, concurrency)
    if front.loop_store() is not None:
        await front.loop_store().close()
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per endpoint")
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", choices=NAMES, default=None)
    parser.add_argument("--concurrency", type=int, default=1,
                        help="requests in flight at once on the loop (wrk's connections per worker)")
    args = parser.parse_args(argv)
    only = [x for x in args.only.split(",") if x] or list(NAMES)
    with scratch_environment(free_port()) as env:
        os.environ.update(env)
        os.environ.update({"IDP_ARGON2_TIME_COST": "1", "IDP_ARGON2_MEMORY_COST": "8192",
                           "IDP_TOKEN_RATE_LIMIT_PER_CLIENT": "1000000"})
        seed = json.loads(subprocess.run([sys.executable, str(Path(__file__).parent / "seed.py")],
                                         env=env, check=True, capture_output=True,
                                         text=True).stdout)
        from idp import create_app
        from idp.cli.serve import prepare

        app = create_app(announce=lambda line: None)
        prepare(app)
        token = mint(app, seed)
        reqs = requests_for(seed, token)
        if "refresh" in only:
            reqs["refresh"] = refresh_requests(app, seed, min(args.n, 600) + 20)
        results = uvloop.run(run(app, reqs, only, args.n, args.profile,
                                       args.concurrency))
        print(f"{'endpoint':<16} {'cpu ms/req':>10} {'via flask':>10}")
        for name, r in results.items():
            print(f"{name:<16} {r['cpu_ms']:>10.3f} {r['via_flask']:>10.1%}")


if __name__ == "__main__":
    main()
