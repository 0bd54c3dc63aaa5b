"""`bench/run.py --compare-node`: our IdP and node-oidc-provider in the same run, A/B.

Both servers run side by side on this machine: ours under gunicorn (`idp serve`,
the same settings as the rest of bench/run.py) on a scratch Postgres database
and Redis prefix, the peer (bench/peer/server.mjs, installed by
bench/nodepeer.py) in memory. For each of the five hot endpoints the same wrk
load (same connections, threads and duration) is sent to each side in turn,
round after round: a short warm-up per side first, then ``--rounds`` pairs, the
order alternating inside each pair (ours/peer, peer/ours, ...) so a drift of
the machine's load does not favour one side. Each pair gives a ratio (our
req/s over its req/s); the median of those ratios is the figure, because
absolute throughput drifts on a shared machine while the ratio of two
back-to-back rounds holds much better.

Server CPU per request comes from /proc: the gunicorn process group (master and
workers) for ours, the node process (every thread) for the peer.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import driver
import nodepeer
import requests
from harness import ROOT, Result, Server, free_port, scratch_environment, wrk

LUA = ROOT / "bench" / "lua"
ENDPOINTS = ("discovery", "jwks", "introspection", "userinfo", "refresh")
# Issue 16, item 3: server CPU per request on this machine class, and p99 at 16 connections.
CPU_BUDGET_MS = {"discovery": 0.25, "jwks": 0.25, "introspection": 0.8, "userinfo": 0.8,
                 "refresh": 3.0}
P99_BUDGET_MS = 50.0
REFRESH_PREFIX = "grant_type=refresh_token&refresh_token="


@dataclass
class Chains:
    """A pool of refresh tokens for wrk's rotation chains (bench/lua/once.lua).

    Each token is used once; its successor is queued. What no request took when
    a round ended comes back through BENCH_OUT for the next round; chains cut
    by the end of a round (a request in flight) are replaced by fresh flows.
    """

    mint: object  # count -> [refresh token]
    want: int
    folder: Path
    name: str
    tokens: list = field(default_factory=list)
    out: Path | None = None  # where the last round left its untaken tokens

    def load(self) -> dict:
        """Top the pool up to ``want`` (setup, not timed); return wrk's environment."""
        if len(self.tokens) < self.want:
            self.tokens += self.mint(self.want - len(self.tokens))
        source, self.out = self.folder / f"{self.name}.in", self.folder / f"{self.name}.out"
        source.write_text("\n".join(self.tokens) + "\n")
        self.out.unlink(missing_ok=True)
        return {"BENCH_FILE": str(source), "BENCH_OUT": str(self.out), "BENCH_CHAIN": "1",
                "BENCH_PREFIX": REFRESH_PREFIX}

    def collect(self) -> None:
        text = self.out.read_text() if self.out and self.out.exists() else ""
        self.tokens = [line for line in text.splitlines() if line]


@dataclass
class Side:
    """One server and how to give it the five loads."""

    label: str
    server: object  # harness.Server or nodepeer.Peer: .base, .cpu_seconds(), .db_cpu_seconds()
    paths: dict
    client: dict
    mint_access: object  # () -> access token for userinfo and introspection
    chains: Chains
    access: str = ""

    def load(self, endpoint: str) -> tuple[str, dict, str]:
        """(path, wrk environment, Lua script) of one round on ``endpoint``."""
        basic = driver.basic(self.client)
        if endpoint == "discovery":
            return "/.well-known/openid-configuration", {}, "request.lua"
        if endpoint == "jwks":
            return self.paths["jwks"], {}, "request.lua"
        if endpoint == "userinfo":
            return self.paths["userinfo"], {"BENCH_AUTH": f"Bearer {self.access}"}, "request.lua"
        if endpoint == "introspection":
            return self.paths["introspection"], {
                "BENCH_METHOD": "POST", "BENCH_BODY": f"token={self.access}",
                "BENCH_AUTH": basic}, "request.lua"
        return self.paths["token"], {**self.chains.load(), "BENCH_AUTH": basic}, "once.lua"


def one_round(side: Side, endpoint: str, args, duration: int) -> Result:
    path, env, script = side.load(endpoint)
    threads = min(2, args.connections)
    result = wrk(side.server, f"{endpoint} {side.label}", path, connections=args.connections,
                 duration=duration, script=str(LUA / script), threads=threads,
                 env={"BENCH_THREADS": str(threads), **env})
    if endpoint == "refresh":
        side.chains.collect()
    return result


def measure(endpoint: str, sides: list[Side], args) -> dict:
    """Warm both sides up, then ``args.rounds`` pairs in alternating order."""
    for side in sides:
        if endpoint in ("userinfo", "introspection") and not side.access:
            side.access = side.mint_access()  # late: ours live 900 s
    for side in sides:
        if args.warmup:
            one_round(side, endpoint, args, args.warmup)
    rounds = {side.label: [] for side in sides}
    for i in range(args.rounds):
        for side in (sides if i % 2 == 0 else sides[::-1]):
            result = one_round(side, endpoint, args, args.duration)
            rounds[side.label].append(result)
            print(f"  round {i + 1} {result.row()}", flush=True)
    return {"endpoint": endpoint, "ours": rounds["ours"], "peer": rounds["peer"],
            "load": os.getloadavg()[0]}


def median(values) -> float:
    return statistics.median(values) if values else 0.0


HEADER = (f"{'endpoint':<14} {'ours req/s':>10} {'peer req/s':>10} {'ratio':>6} {'range':>11} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'cpu ms/req':>10} {'budget':>7} {'pg ms':>6} "
          f"{'peer cpu':>8} {'errors':>6} {'load':>5}")


def summary_row(m: dict) -> str:
    ours, peer = m["ours"], m["peer"]
    ratios = [o.requests_per_s / p.requests_per_s for o, p in zip(ours, peer)
              if p.requests_per_s]
    cpu, p99 = median(r.cpu_ms_per_request for r in ours), median(r.p99_ms for r in ours)
    budget = CPU_BUDGET_MS[m["endpoint"]]
    verdict = (f"cpu {'ok' if cpu <= budget else 'OVER'}, "
               f"p99 {'ok' if p99 < P99_BUDGET_MS else 'OVER'}")
    return (f"{m['endpoint']:<14} {median(r.requests_per_s for r in ours):>10.0f} "
            f"{median(r.requests_per_s for r in peer):>10.0f} {median(ratios):>6.2f} "
            f"{min(ratios, default=0):>5.2f}–{max(ratios, default=0):<5.2f} "
            f"{median(r.p50_ms for r in ours):>7.2f} {p99:>7.2f} {cpu:>10.2f} "
            f"{budget:>7.2f} {median(r.db_ms_per_request for r in ours):>6.2f} "
            f"{median(r.cpu_ms_per_request for r in peer):>8.2f} "
            f"{sum(r.errors for r in ours + peer):>6} {m['load']:>5.2f}  {verdict}")


def report(measured: list[dict], args) -> None:
    version = args.node_version or nodepeer.VERSION
    print(f"\nours / node-oidc-provider {version}: median of {args.rounds} paired rounds of {args.duration}s, {args.connections} "
          f"connections; cpu = our server CPU ms per request (budget: issue 16; p99 < "
          f"{P99_BUDGET_MS:.0f} ms); pg ms = CPU of our Postgres backends per request; peer cpu = "
          f"the node process's; load = 1-min load average (this run's own processes included)")
    print(HEADER)
    for m in measured:
        print(summary_row(m))


def our_side(server: Server, seed: dict, connections: int, folder: Path) -> Side:
    client = seed["product"]  # first-party, product "project", org on an active plan: gate on

    def flows(count):
        out = driver.drive("flow", server.base, seed, client, processes=1, duration=120,
                           limit=count)
        if len(out["items"]) < count:
            sys.exit(f"bench: setup flows failed ({out['errors']} errors, {out['failures']}); "
                     f"the server's log is {server.log_path}")
        return out["items"]

    discovery = requests.get(server.base + "/.well-known/openid-configuration", timeout=10).json()
    return Side("ours", server, nodepeer.endpoint_paths(discovery), client,
                lambda: flows(1)[0][1],
                Chains(lambda n: [refresh for refresh, _ in flows(n)], 2 * connections,
                       folder, "ours"))


def peer_side(peer: nodepeer.Peer, connections: int, folder: Path) -> Side:
    def refresh_tokens(count):
        return [t["refresh_token"] for t in peer.flows(count, resource=nodepeer.API)]

    return Side("peer", peer, peer.paths, peer.client, lambda: peer.flows(1)[0]["access_token"],
                Chains(refresh_tokens, 2 * connections, folder, "peer"))


def run(args, seed_idp) -> None:
    """Install and start the peer, start ours, measure, print the comparison table."""
    try:
        modules = nodepeer.install(args.node_version or nodepeer.VERSION,
                                   Path(args.node_cache) if args.node_cache else None)
    except nodepeer.PeerUnavailable as exc:
        print(f"bench: node peer unavailable: {exc}", file=sys.stderr)
        sys.exit(3)
    endpoints = [e for e in ENDPOINTS if not args.only or e in args.only]
    folder = Path(tempfile.mkdtemp(prefix="idp-bench-compare-"))
    print(f"peer: node-oidc-provider {nodepeer.installed_version(modules)} from {modules}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    port = free_port()
    with scratch_environment(port) as env:
        env["IDP_TOKEN_RATE_LIMIT_PER_CLIENT"] = "1000000000"  # the limiter stays on, never trips
        seed = seed_idp({**env, "BENCH_SEED_ALGS": "RS256"})  # one RSA key, as the peer's
        with Server(env, port, args.workers, args.threads, args.worker_class) as server, \
                nodepeer.Peer(modules, free_port()) as peer:
            sides = [our_side(server, seed, args.connections, folder),
                     peer_side(peer, args.connections, folder)]
            measured = [measure(endpoint, sides, args) for endpoint in endpoints]
            if any(r.errors for m in measured for r in m["ours"] + m["peer"]):
                print(f"(errors: our server's log is {server.log_path}, the peer's "
                      f"{peer.log_path})")
    shutil.rmtree(folder, ignore_errors=True)
    report(measured, args)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
