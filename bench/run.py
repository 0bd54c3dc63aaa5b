"""The HTTP benchmark: the IdP under gunicorn on Postgres and Redis, driven from outside.

    python bench/run.py [--workers 2] [--threads 4] [--worker-class asgi|gthread|sync]
                        [--connections 16] [--duration 10] [--only NAME[,NAME...]]
    python bench/run.py --compare-node [--rounds 3] [--warmup 1] [--only refresh,...]
                        [--node-cache DIR] [--node-version V]

`--compare-node` measures the five hot endpoints (discovery, jwks, introspection,
userinfo, refresh) against node-oidc-provider in the same run, interleaved A/B,
and prints the ratio per endpoint (bench/compare.py; docs/performance.md).

`--only streams` also runs bench/streams_bench.py (200 open account pages; not part
of the default set: it takes about three minutes). `--only floor` adds the floor of
the server stack (bench/hello_app.py's loop_app: fixed bytes answered on the event
loop, no thread hop and no Flask; asgi worker class only).

Creates a scratch database and Redis prefix, seeds a person, an organisation on
an active "suite" plan and the clients, starts `idp serve`, and measures each
endpoint with wrk (single-use inputs fed through bench/lua/once.lua) or with the
Python browser driver (bench/driver.py). A bare Flask app under the same
gunicorn settings is measured first: every figure is also printed as a ratio
to it, because the machine is noisy. Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare
import driver
from harness import (
    HEADER,
    ROOT,
    Result,
    Server,
    box_cpu,
    free_port,
    require_wrk,
    scratch_environment,
    wrk,
)

LUA = ROOT / "bench" / "lua"
ALGS = ("RS256", "ES256", "EdDSA", "PS256")
NAMES = ("baseline", "discovery", "jwks", "client_credentials", "userinfo", "introspection",
         "refresh", "code_exchange", "flow", "flow_gated", "login",
         *(f"refresh_{alg}" for alg in ALGS), "entitlement", "signing", "streams", "floor")
SIDE = {"baseline", "entitlement", "signing", "streams", "floor"}  # need no IdP of run.py's own


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", choices=("asgi", "gthread", "sync", "granian"),
                        default="asgi", help="as `idp serve` (default asgi, the production "
                        "default); granian: the same ASGI app under granian (pip install granian)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint (≤ 10)")
    parser.add_argument("--only", default="", help="comma-separated: " + ", ".join(NAMES))
    peer = parser.add_argument_group("same-run comparison with node-oidc-provider")
    peer.add_argument("--compare-node", action="store_true",
                      help="ours and node-oidc-provider, interleaved A/B on: "
                           + ", ".join(compare.ENDPOINTS))
    peer.add_argument("--rounds", type=int, default=3, help="paired rounds per endpoint")
    peer.add_argument("--warmup", type=int, default=1, help="seconds per side, not counted")
    peer.add_argument("--node-cache", default="", help="where npm installs the peer (default "
                      "$IDP_BENCH_NODE_CACHE or ~/.cache/tomps-bench/node-oidc-provider)")
    peer.add_argument("--node-version", default="", help="another oidc-provider version")
    args = parser.parse_args(argv)
    args.only = [n for n in args.only.split(",") if n]
    unknown = set(args.only) - set(compare.ENDPOINTS if args.compare_node else NAMES)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    args.duration = max(1, min(args.duration, 10))
    args.rounds, args.warmup = max(1, args.rounds), max(0, args.warmup)
    return args


class Bench:
    """One invocation: the settings, the live server, the seed and the results."""

    def __init__(self, args, server=None, seed=None):
        self.args, self.server, self.seed = args, server, seed
        self.results: list[Result] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="idp-bench-in-"))

    def wanted(self, name: str) -> bool:
        return not self.args.only or name in self.args.only

    def add(self, result: Result) -> None:
        self.results.append(result)
        print(result.row(), flush=True)

    def wrk(self, name, path, env=None, script="request.lua"):
        threads = min(2, self.args.connections)
        env = {"BENCH_THREADS": str(threads), **(env or {})}
        self.add(wrk(self.server, name, path, connections=self.args.connections,
                      duration=self.args.duration, script=str(LUA / script), env=env,
                      threads=threads))

    def drive(self, name, mode, client, duration=None, limit=10**9):
        out = driver.drive(mode, self.server.base, self.seed, client,
                           processes=self.args.connections, duration=duration or self.args.duration,
                           limit=limit, cpu=self.server.cpu_seconds, box=box_cpu,
                           db=self.server.db_cpu_seconds)
        self.add(Result(name, out["per_s"], out["p50_ms"], out["p99_ms"], out["errors"],
                        out["cpu_ms"], out["box"], out["db_ms"]))
        for kind, count in sorted(out["failures"].items(), key=lambda kv: -kv[1])[:5]:
            print(f"    {count} x {kind}", flush=True)
        return out["items"]

    def flows(self, client, count):
        """``count`` complete flows in this process (setup, not timed): [(refresh, access)]."""
        out = driver.drive("flow", self.server.base, self.seed, client, processes=1,
                           duration=60, limit=count)
        if len(out["items"]) < count:
            sys.exit(f"bench: setup flows failed ({out['errors']} errors): is the IdP healthy?")
        return out["items"]

    def write(self, name, lines) -> str:
        path = self.tmp / name
        path.write_text("\n".join(lines) + "\n")
        return str(path)


def run_static(b: Bench) -> None:
    seed = b.seed
    if b.wanted("discovery"):
        b.wrk("discovery", "/.well-known/openid-configuration")
    if b.wanted("jwks"):
        b.wrk("jwks", "/.well-known/jwks.json")
    if b.wanted("client_credentials"):
        b.wrk("client_credentials", "/oauth2/token", {
            "BENCH_METHOD": "POST", "BENCH_BODY": "grant_type=client_credentials",
            "BENCH_AUTH": driver.basic(seed["service"])})
    if b.wanted("userinfo") or b.wanted("introspection"):
        access = b.flows(seed["portal"], 1)[0][1]
        if b.wanted("userinfo"):
            b.wrk("userinfo", "/oauth2/userinfo", {"BENCH_AUTH": f"Bearer {access}"})
        if b.wanted("introspection"):
            b.wrk("introspection", "/oauth2/introspect", {
                "BENCH_METHOD": "POST", "BENCH_BODY": f"token={access}",
                "BENCH_AUTH": driver.basic(seed["portal"])})


def run_refresh(b: Bench, name: str, client: dict) -> None:
    """Rotation chains: each connection's token is used once, its successor queued."""
    tokens = [refresh for refresh, _ in b.flows(client, 2 * b.args.connections)]
    b.wrk(name, "/oauth2/token", {
        "BENCH_FILE": b.write(name, tokens), "BENCH_CHAIN": "1",
        "BENCH_PREFIX": "grant_type=refresh_token&refresh_token=",
        "BENCH_AUTH": driver.basic(client)}, script="once.lua")


def run_code_exchange(b: Bench) -> None:
    """Codes minted first by signed-in browsers (that rate is the authorize row), each used once."""
    seed = b.seed
    codes = b.drive("authorize (mint codes)", "authorize", seed["portal"],
                    limit=600 * b.args.duration)
    prefix = ("grant_type=authorization_code&redirect_uri=" + quote(seed["redirect_uri"], safe="")
              + f"&code_verifier={driver.VERIFIER}&code=")
    b.wrk("code_exchange", "/oauth2/token", {
        "BENCH_FILE": b.write("codes", codes), "BENCH_PREFIX": prefix,
        "BENCH_AUTH": driver.basic(seed["portal"])}, script="once.lua")


def run_idp(b: Bench) -> None:
    run_static(b)
    if b.wanted("refresh"):
        run_refresh(b, "refresh", b.seed["portal"])
    if b.wanted("code_exchange"):
        run_code_exchange(b)
    if b.wanted("flow"):
        b.drive("flow (signed in, portal)", "flow", b.seed["portal"])
    if b.wanted("flow_gated"):
        b.drive("flow_gated (product, gate on)", "flow", b.seed["product"])
    if b.wanted("login"):
        b.drive("login (argon2id)", "login", b.seed["portal"])
    for alg in ALGS:
        if b.wanted(f"refresh_{alg}"):
            run_refresh(b, f"refresh_{alg}", b.seed["algs"][alg])


def baseline(args) -> Result:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with Server(env, free_port(), args.workers, args.threads, args.worker_class, hello=True) as hello:
        b = Bench(args, hello)
        b.wrk("baseline (bare Flask hello)", "/")
    return b.results[0]


def floor(args) -> Result:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with Server(env, free_port(), args.workers, args.threads, "asgi", hello=True,
                hello_app="loop_app") as server:
        b = Bench(args, server)
        b.wrk("floor (bytes on the event loop)", "/")
    return b.results[0]


def seed_idp(env: dict) -> dict:
    out = Path(tempfile.mkdtemp(prefix="idp-bench-seed-")) / "seed.json"
    subprocess.run([sys.executable, str(ROOT / "bench" / "seed.py")], check=True,
                   env={**env, "BENCH_SEED_OUT": str(out)})
    return json.loads(out.read_text())


def report(results: list[Result], base: Result) -> None:
    print("\n" + HEADER + f" {'x base req/s':>12} {'x base cpu':>10}")
    for r in results:
        ratio = (f"{r.requests_per_s / base.requests_per_s:>12.3f} "
                 f"{r.cpu_ms_per_request / max(base.cpu_ms_per_request, 1e-6):>10.1f}")
        print(r.row() + " " + ratio)


def side_benchmarks(args) -> None:
    python = sys.executable
    if not args.only or "entitlement" in args.only:
        print("\nentitlement lookup cost (bench/entitlement_bench.py):", flush=True)
        subprocess.run([python, str(ROOT / "bench" / "entitlement_bench.py"), "--lookups", "1000"],
                       check=True)
    if not args.only or "signing" in args.only:
        print("\nsignatures per second, one core (bench/sign_bench.py):", flush=True)
        subprocess.run([python, str(ROOT / "bench" / "sign_bench.py"), "--seconds", "0.5"],
                       check=True)
    if "streams" in args.only:  # ~3 minutes: only when asked for by name
        print("\n200 open account pages against discovery and token p99 "
              "(bench/streams_bench.py):", flush=True)
        subprocess.run([python, str(ROOT / "bench" / "streams_bench.py"), "--workers",
                        str(args.workers), "--threads", str(args.threads), "--connections",
                        str(args.connections)], check=True)


def main(argv=None) -> None:
    args = parse(argv)
    require_wrk()
    if args.compare_node:
        print(f"settings: ours {args.workers} workers, worker class {args.worker_class}, threads "
              f"{args.threads}; the peer one node process; connections {args.connections}, "
              f"{args.rounds} rounds of {args.duration}s, CPUs {os.cpu_count()}; load generator "
              f"on the same machine", flush=True)
        compare.run(args, seed_idp)
        return
    print(f"settings: workers {args.workers}, worker class {args.worker_class}, threads "
          f"{args.threads}, connections {args.connections}, duration {args.duration}s, "
          f"CPUs {os.cpu_count()}; load generator on the same machine", flush=True)
    print(HEADER, flush=True)
    base = baseline(args)  # always: every figure is read against it
    results = [base]
    if "floor" in args.only:  # only when asked for by name
        results.append(floor(args))
    needs_idp = not args.only or set(args.only) - SIDE
    if needs_idp:
        port = free_port()
        with scratch_environment(port) as env:
            env["IDP_TOKEN_RATE_LIMIT_PER_CLIENT"] = "1000000000"  # the limiter stays on, never trips
            seed = seed_idp(env)
            with Server(env, port, args.workers, args.threads, args.worker_class) as server:
                b = Bench(args, server, seed)
                run_idp(b)
                results += b.results
                if any(r.errors for r in b.results):
                    print(f"(errors: the server's log is {server.log_path})")
    report(results, base)
    side_benchmarks(args)


if __name__ == "__main__":
    main()
