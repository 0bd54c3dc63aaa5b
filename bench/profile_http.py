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
the server a little) split between the workers' event-loop threads (HTTP,
hand-off to the pool, writes) and their pool threads (the Flask app), read
per thread from /proc; then the app's samples in ms per request — by library
(inclusive), as a call tree of our code (idp/, authlib/) with the library each
leaf's time went to, and the top functions (self) — and what the loop's
samples do. (py-spy's GIL sampling over-weights the loop thread against the
per-thread CPU, so the two kinds of samples are not compared with each other.)
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


def call_tree(samples, scale: float, floor: float, depth: int = 9) -> list[str]:
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

    def order(node):  # depth first, the costlier sibling first
        return [(-tree[node[:i]], node[i - 1]) for i in range(1, len(node) + 1)]

    total = sum(n for _, n in samples) or 1
    return [f"  {100 * tree[node] / total:5.1f}% {scale * tree[node]:6.3f} ms  "
            f"{'  ' * (len(node) - 1)}{node[-1]}"
            for node in sorted(tree, key=order) if 100 * tree[node] / total >= floor]


def shares(samples, pool_ms: float, top: int, floor: float) -> list[str]:
    """The Flask app's samples (pool threads) as shares of ``pool_ms`` per request, and
    what the event loop's samples do. Which thread burns how much CPU is read from
    /proc (cpu_split); py-spy's GIL sampling over-weights the loop thread, so its
    samples are not compared with the app's."""
    app = [(f, n) for f, n in samples if any("(flask/app.py" in x for x in f)]
    loop = [(f, n) for f, n in samples if not any("(flask/app.py" in x for x in f)]
    app_total = sum(n for _, n in app) or 1
    scale = pool_ms / app_total
    inclusive, self_time, loop_self = Counter(), Counter(), Counter()
    for frames, n in app:
        for package_name in {package(f) for f in frames} - SCAFFOLD:
            inclusive[package_name] += n
        self_time[name(frames[-1])] += n
    for frames, n in loop:
        loop_self[name(frames[-1])] += n

    def pct(counter, limit, total, ms=True):
        return [f"  {100 * n / total:5.1f}%" + (f" {scale * n:6.3f} ms" if ms else "")
                + f"  {key}" for key, n in counter.most_common(limit)]

    loop_total = sum(n for _, n in loop) or 1
    return ([(f" the Flask app on the pool threads: {app_total} samples, shares of its "
              f"{pool_ms:.2f} ms per request"),
             " libraries, inclusive (a sample counts once for each library on its stack):"]
            + pct(inclusive, top, app_total)
            + [f" our code (idp/, authlib/) as a call tree, nodes of {floor:g}% and more:"]
            + call_tree(app, scale, floor)
            + [" functions, self:"] + pct(self_time, top, app_total)
            + [f" the event loop threads: {loop_total} samples; functions, self:"]
            + pct(loop_self, max(5, top // 2), loop_total, ms=False))


def cpu_split(group: int) -> dict:
    """CPU seconds of a process group: user and system (the kernel's share: socket
    writes, which on loopback include the receiver's side, futex wake-ups), and by
    thread — each worker's main thread runs the event loop, its other threads are
    the Flask pool (and a store listener that mostly sleeps)."""
    split = {"user": 0.0, "system": 0.0, "loop": 0.0, "pool": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError, IndexError):
            if int(_stat(f"/proc/{pid}/stat")[2]) != group or int(pid) == group:
                continue  # not ours, or the gunicorn master (it serves no request)
            for tid in os.listdir(f"/proc/{pid}/task"):
                fields = _stat(f"/proc/{pid}/task/{tid}/stat")
                user, system = int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK
                split["user"] += user
                split["system"] += system
                split["loop" if tid == pid else "pool"] += user + system
    return split


def _stat(path: str) -> list[str]:
    text = Path(path).read_text()
    return text[text.rindex(")") + 2:].split()


def profile(side, endpoint: str, args, out: Path, py_spy: str) -> None:
    compare.one_round(side, endpoint, args, 1)  # warm-up, not sampled
    raw = out / f"{endpoint}.txt"
    result = {}
    load = threading.Thread(target=lambda: result.update(
        r=compare.one_round(side, endpoint, args, args.seconds + 1)))
    before = cpu_split(side.server.proc.pid)
    load.start()
    subprocess.run([py_spy, "record", "--gil", "--subprocesses", "--rate", str(args.rate),
                    "--duration", str(args.seconds), "--format", "raw", "--output", str(raw),
                    "--pid", str(side.server.proc.pid)], check=True, capture_output=True)
    load.join()
    after = cpu_split(side.server.proc.pid)
    used = {key: after[key] - before[key] for key in after}
    r = result["r"]
    per = r.cpu_ms_per_request / max(used["loop"] + used["pool"], 1e-9)  # shares → ms/request
    print(f"\n== {endpoint}: {r.requests_per_s:.0f} req/s, {r.cpu_ms_per_request:.2f} ms server "
          f"CPU/req while sampled at {args.rate} Hz: event-loop threads {used['loop'] * per:.2f}, "
          f"pool threads {used['pool'] * per:.2f}; kernel "
          f"{100 * used['system'] / max(used['user'] + used['system'], 1e-9):.0f}%; "
          f"raw stacks: {raw}")
    print("\n".join(shares(read_samples(raw), used["pool"] * per, args.top, args.floor)),
          flush=True)


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
