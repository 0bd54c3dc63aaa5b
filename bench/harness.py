"""Benchmark plumbing: a scratch Postgres database + Redis prefix, the IdP under
gunicorn in a separate process, wrk as the load generator, CPU accounting.

Nothing here is imported by the IdP; it only drives it from outside.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("IDP_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("IDP_BENCH_REDIS", "redis://127.0.0.1:6379/0")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def scratch_environment(port: int):
    """Yield the IDP_* environment of a throw-away database and Redis prefix."""
    name = f"idp_bench_{secrets.token_hex(4)}"
    prefix = f"idpbench:{secrets.token_hex(4)}:"
    tmp = Path(tempfile.mkdtemp(prefix="idp-bench-"))
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update({
        "IDP_DATABASE_URL": f"{base}/{name}",
        "IDP_REDIS_URL": REDIS_URL,
        "IDP_REDIS_PREFIX": prefix,
        "IDP_SECRET_KEY": secrets.token_urlsafe(32),
        "IDP_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "IDP_ISSUER": f"http://127.0.0.1:{port}",
        "IDP_INSTANCE_PATH": str(tmp / "instance"),
        "IDP_KEYS_PATH": str(tmp / "keys"),
        "IDP_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    try:
        subprocess.run([sys.executable, "-m", "idp", "db", "upgrade"], env=env, check=True,
                       capture_output=True)
        yield env
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=prefix + "*", count=1000):
            client.delete(key)
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Server:
    """The IdP under gunicorn (`idp serve`), in its own process group.

    ``hello=True`` runs the bare Flask baseline (bench/hello_app.py) under the
    same gunicorn settings instead; ``hello_app="loop_app"`` that module's
    answer-on-the-event-loop floor (no thread hop, no Flask; asgi only).
    """

    env: dict
    port: int
    workers: int
    threads: int
    worker_class: str = "asgi"
    hello: bool = False
    hello_app: str = ""  # another app of bench/hello_app.py (``loop_app``)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None  # the server's stderr (read it when a run shows errors)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if self.hello:
            asgi = self.worker_class == "asgi"
            return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                    "--workers", str(self.workers), "--worker-class",
                    "idp.web.asgi_worker.Worker" if asgi else self.worker_class,
                    "--threads", str(self.threads),
                    "bench.hello_app:" + (self.hello_app or ("asgi_app" if asgi else "app"))]
        if self.worker_class == "granian":
            # The server comparison (issue 16): the same ASGI app (idp/asgi.py: the front,
            # its loop endpoints, Flask on its thread pool) under granian instead of
            # gunicorn + uvicorn's worker. `pip install granian`; not a dependency.
            return [sys.executable, "-m", "granian", "--interface", "asgi", "--host",
                    "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
                    "--loop", "uvloop", "--no-ws", "--log-level", "warning", "idp.asgi:app"]
        return [sys.executable, "-m", "idp", "serve", "--port", str(self.port),
                "--workers", str(self.workers), "--threads", str(self.threads),
                "--worker-class", self.worker_class]

    def __enter__(self):
        self.log_path = Path(tempfile.mkstemp(prefix="idp-bench-server-", suffix=".log")[1])
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen(
                self.command(), env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=log, start_new_session=True)
        ready = self.base + ("/" if self.hello else "/readyz")
        for _ in range(150):
            with contextlib.suppress(requests.RequestException):
                if requests.get(ready, timeout=1).status_code == 200:
                    return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("the IdP did not start")

    def __exit__(self, *exc):
        if self.proc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=20)

    def cpu_seconds(self) -> float:
        """User+system CPU of the server's process group so far (children included)."""
        return _cpu(lambda pid, fields: int(fields[2]) == self.proc.pid)  # process group id

    def db_cpu_seconds(self) -> float:
        """CPU of the Postgres backends serving this server's database (0 for the baseline)."""
        name = self.env.get("IDP_DATABASE_URL", "").rsplit("/", 1)[-1]
        if self.hello or not name:
            return 0.0

        def ours(pid, fields):
            return f" {name} ".encode() in Path(f"/proc/{pid}/cmdline").read_bytes() + b" "
        return _cpu(ours)


def _cpu(select) -> float:
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if select(pid, fields):
                total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def box_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine (load generator, Postgres, Redis included)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def busy_percent(before: tuple[float, float], after: tuple[float, float]) -> float:
    total = after[1] - before[1]
    return 100.0 * (after[0] - before[0]) / total if total else 0.0


@dataclass
class Result:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms_per_request: float
    box_busy: float = 0.0  # % of all CPUs busy during the run (everything on the machine)
    db_ms_per_request: float = 0.0  # CPU of its Postgres backends

    def row(self) -> str:
        return (f"{self.name:<34} {self.requests_per_s:>9.0f} {self.p50_ms:>8.2f} "
                f"{self.p99_ms:>8.2f} {self.cpu_ms_per_request:>10.2f} "
                f"{self.db_ms_per_request:>9.2f} {self.errors:>7} {self.box_busy:>6.0f}%")


HEADER = (f"{'benchmark':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms/req':>10} "
          f"{'db ms/req':>9} {'errors':>7} {'box':>7}")


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


WRK_MISSING = "bench: wrk is not installed (apt-get install wrk)"


def require_wrk() -> None:
    if not shutil.which("wrk"):
        sys.exit(WRK_MISSING)


def wrk(server: Server, name: str, path: str, *, connections: int, duration: int,
        script: str | None = None, env: dict | None = None, threads: int = 2) -> Result:
    """Drive ``path`` with wrk; return throughput, latency percentiles and server CPU.

    A script that runs out of single-use inputs stops early and prints
    ``EXHAUSTED n`` (requests sent with no input left); those are not errors.
    """
    require_wrk()
    args = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{duration}s",
            "--latency"]
    if script:
        args += ["-s", script]
    cpu_before, db_before, box_before = server.cpu_seconds(), server.db_cpu_seconds(), box_cpu()
    out = subprocess.run(args + [server.base + path], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, check=True).stdout
    cpu, box = server.cpu_seconds() - cpu_before, busy_percent(box_before, box_cpu())
    db_cpu = server.db_cpu_seconds() - db_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    exhausted = re.search(r"EXHAUSTED (\d+)", out)
    if exhausted:
        errors = max(0, errors - int(exhausted.group(1)))
        total -= int(exhausted.group(1))
    return Result(name, rps, p50, p99, errors, 1000 * cpu / max(total, 1), box,
                  1000 * db_cpu / max(total, 1))
