"""Where our server's CPU goes under the --compare-node load: py-spy on the live workers.

    python bench/profile_http.py [--only refresh,...] [--seconds 8] [--rate 250]
                                 [--connections 16] [--workers 2] [--threads 4]
                                 [--worker-class asgi] [--top 15] [--keep DIR]

Needs py-spy (`pip install py-spy`; it reads the workers' memory with ptrace).
Starts our IdP exactly as `bench/run.py --compare-node` does (scratch Postgres
database and Redis prefix, RS256 only, gunicorn), and for each endpoint runs
the same wrk load (one warm-up second first) while `py-spy record --gil
--subprocesses` samples the master and every worker. ``--gil`` keeps only the
thread holding the GIL in each sample: the Python CPU of that process, not
threads waiting on a socket or for the GIL (without it, the profile is mostly
redis-py and psycopg waiting). C code that releases the GIL (OpenSSL inside a
signature, libpq) is therefore under-counted; bench/profile_token.py (cProfile
in-process) counts it.

Printed per endpoint: the throughput and CPU of that round (sampling slows
the server a little), where the samples sit — the server front (event loop,
HTTP, hand-off to the thread pool) against the Flask app, and inside the app
by library (a sample counts for every library on its stack: inclusive) — and
the top functions of our own code (inclusive) and of everything (self).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare
from harness import CLK_TCK, Server, free_port, require_wrk, scratch_environment
from run import seed_idp

STDLIB = set(sys.stdlib_module_names)


def package(frame: str) -> str:
    """'Flask.wsgi_app (flask/app.py:1506)' → 'flask'; 'asyncio/…' → 'stdlib:asyncio'."""
    if frame.startswith("<") and not frame.startswith("<frozen"):
        return frame[1:].split()[0]  # '<sqlalchemy generated _go() wrapper for …>'
    where = frame.rsplit(" (", 1)[-1].rstrip(")")
    top = where.split("/", 1)[0].split(":", 1)[0].removesuffix(".py")
    if top.startswith("<frozen"):
        return "stdlib:" + top.removeprefix("<frozen ").rstrip(">")
    if top in STDLIB:
        return "stdlib:" + top
    return top


def read_samples(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw (collapsed) output, without its process frames."""
    samples = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if frames:
            samples.append((frames, int(count)))
    return samples


SCAFFOLD = {"idp", "click", "gunicorn", "uvicorn", "uvicorn_worker", "stdlib:runpy",
            "stdlib:threading", "stdlib:concurrent", "stdlib:asyncio"}  # on every stack


def name(frame: str) -> str:
    """'f (idp/oidc/views.py:131)' → 'f (idp/oidc/views.py)': lines of a function merge."""
    return frame.rsplit(":", 1)[0] + ")" if frame.endswith(")") else frame


def ours(frame: str) -> bool:
    return ("(idp/" in frame or "(authlib/" in frame) and "(idp/cli/" not in frame \
        and "(idp/__main__" not in frame


def call_tree(samples, total: int, floor: float, depth: int = 9) -> list[str]:
    """Our frames (idp/, authlib/) as a tree, the libraries between them folded away; a
    node's children end with the library the time was spent in ('[sqlalchemy]')."""
    tree: Counter = Counter()
    for frames, n in samples:
        path: tuple = ()
        for frame in frames:
            if ours(frame) and name(frame) not in path:
                path += (name(frame),)
        if not path:
            continue
        leaf = package(frames[-1])
        full = path[:depth] + (() if ours(frames[-1]) else (f"[{leaf}]",))
        for i in range(1, len(full) + 1):
            tree[full[:i]] += n
    lines = []
    def order(node):  # depth first, the costlier sibling first
        return [(-tree[node[:i]], node[i - 1]) for i in range(1, len(node) + 1)]

    for node in sorted(tree, key=order):
        if 100 * tree[node] / total >= floor:
            lines.append(f"  {100 * tree[node] / total:5.1f}%  {'  ' * (len(node) - 1)}{node[-1]}")
    return lines


def shares(samples, top: int, floor: float) -> list[str]:
    total = sum(n for _, n in samples) or 1
    where, inclusive, self_time = Counter(), Counter(), Counter()
    for frames, n in samples:
        app = any("(flask/app.py" in f for f in frames)
        where["Flask app (request handling, thread pool)" if app
              else "server front (event loop, HTTP, hand-off)"] += n
        for package_name in {package(f) for f in frames} - SCAFFOLD:
            inclusive[package_name] += n
        self_time[name(frames[-1])] += n

    def pct(counter, limit):
        return [f"  {100 * n / total:5.1f}%  {key}" for key, n in counter.most_common(limit)]

    return ([f" samples {total}", " where:"] + pct(where, 2)
            + [" libraries, inclusive (a sample counts once for each library on its stack):"]
            + pct(inclusive, top)
            + [f" our code (idp/, authlib/) as a call tree, nodes of {floor:g}% and more:"]
            + call_tree(samples, total, floor)
            + [" functions, self:"] + pct(self_time, top))


def user_and_system(group: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process group: system is the kernel's share
    (socket writes, which on loopback include the receiver's side, futex wake-ups)."""
    user = system = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError, IndexError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == group:
                user, system = user + int(fields[11]) / CLK_TCK, system + int(fields[12]) / CLK_TCK
    return user, system


def profile(side, endpoint: str, args, out: Path, py_spy: str) -> None:
    compare.one_round(side, endpoint, args, 1)  # warm-up, not sampled
    raw = out / f"{endpoint}.txt"
    result = {}
    load = threading.Thread(target=lambda: result.update(
        r=compare.one_round(side, endpoint, args, args.seconds + 1)))
    before = user_and_system(side.server.proc.pid)
    load.start()
    subprocess.run([py_spy, "record", "--gil", "--subprocesses", "--rate", str(args.rate),
                    "--duration", str(args.seconds), "--format", "raw", "--output", str(raw),
                    "--pid", str(side.server.proc.pid)], check=True, capture_output=True)
    load.join()
    user, system = (b - a for a, b in zip(before, user_and_system(side.server.proc.pid)))
    r = result["r"]
    print(f"\n== {endpoint}: {r.requests_per_s:.0f} req/s, {r.cpu_ms_per_request:.2f} ms server "
          f"CPU/req ({100 * system / max(user + system, 1e-9):.0f}% of it in the kernel) while "
          f"sampled at {args.rate} Hz; raw stacks: {raw}")
    print("\n".join(shares(read_samples(raw), args.top, args.floor)), flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help=", ".join(compare.ENDPOINTS))
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="asgi", choices=("asgi", "gthread", "sync"))
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--floor", type=float, default=2.0, help="smallest node of the tree, %%")
    parser.add_argument("--keep", default="", help="folder for the raw stacks (flamegraph.pl "
                        "or speedscope read them)")
    args = parser.parse_args(argv)
    endpoints = [e for e in compare.ENDPOINTS if not args.only or e in args.only.split(",")]
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        sys.exit("bench: py-spy is not installed (pip install py-spy)")
    require_wrk()
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="idp-bench-spy-"))
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with scratch_environment(port) as env:
        env["IDP_TOKEN_RATE_LIMIT_PER_CLIENT"] = "1000000000"
        seed = seed_idp({**env, "BENCH_SEED_ALGS": "RS256"})
        with Server(env, port, args.workers, args.threads, args.worker_class) as server:
            side = compare.our_side(server, seed, args.connections, out)
            for endpoint in endpoints:
                if endpoint in ("userinfo", "introspection") and not side.access:
                    side.access = side.mint_access()
                profile(side, endpoint, args, out, py_spy)


if __name__ == "__main__":
    main()
