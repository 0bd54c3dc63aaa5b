"""Private services for fault tests: a redis-server and a Postgres cluster on free ports,
stopped and started at will, always removed afterwards. The shared ones are never touched."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading

import pytest
import redis as redis_lib

from tests.helpers.ports import reserve_port
from tests.helpers.waiting import eventually


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port = reserve_port()
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis_lib.Redis(port=self.port, socket_connect_timeout=0.2)

        def answers() -> bool:
            try:
                return client.ping()
            except redis_lib.ConnectionError:
                return False

        eventually(answers, 5, 0.05, "private redis-server did not start")

    def stop(self, keep_data: bool = False) -> None:
        """Kill the server (it starts again empty), or with ``keep_data`` shut it down
        after writing its data to disk, so that ``start`` brings every key back: Redis
        was unreachable for a while, and returns with what it held."""
        if not self.proc or self.proc.poll() is not None:
            return
        if keep_data:
            try:
                redis_lib.Redis(port=self.port).shutdown(save=True)
            except redis_lib.ConnectionError:
                pass  # the shutdown closes the connection it came on
            self.proc.wait(timeout=10)
            return
        self.proc.kill()
        self.proc.wait(timeout=10)
        (self.dir / "dump.rdb").unlink(missing_ok=True)  # an earlier keep_data stop's


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _pg_version() -> str:
    """The installed PostgreSQL major version (what CI's .ci/run starts)."""
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: int(v) if v.isdigit() else 0)
    return versions[-1] if versions else "15"


class PrivateCluster:
    VERSION = _pg_version() if os.path.isdir("/etc/postgresql") else "15"

    def __init__(self):
        self.name = f"idptest_{secrets.token_hex(4)}"
        self.port = reserve_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", self.VERSION, self.name,
                        *args], check=True, capture_output=True, timeout=60)

    def create(self) -> None:
        done = subprocess.run(["pg_createcluster", self.VERSION, self.name, "-p", str(self.port),
                               "--", "--auth=trust", "--no-sync"],
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            pytest.fail(f"cannot create a private Postgres cluster: {done.stderr.strip()[:300]}")
        self.start()

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def kill(self) -> None:
        """Stop at once, as a crash would: no checkpoint, recovery at the next start."""
        self._ctl("stop", "-m", "immediate")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", "--stop", self.VERSION, self.name],
                       capture_output=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def private_postgres():
    if not shutil.which("pg_createcluster"):
        pytest.skip("pg_createcluster is not installed")
    cluster = PrivateCluster()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.drop()


def traffic_through_outage(redis, make_round, *, threads: int, warm: int, failures: int,
                           resumed: int) -> list[tuple[str, int]]:
    """Run ``threads`` clients in a loop while ``redis`` stops and starts again.

    ``make_round()`` is called once per thread and returns a function doing one round of
    requests, returning [(name, status), ...]. Redis stops after ``warm`` results, starts
    again once ``failures`` 503s were seen, and traffic ends ``resumed`` results later.
    """
    statuses: list[tuple[str, int]] = []
    stop = threading.Event()

    def loop():
        one_round = make_round()
        while not stop.is_set():
            statuses.extend(one_round())

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    try:
        eventually(lambda: len(statuses) > warm, 20)
        redis.stop()
        eventually(lambda: sum(1 for _, status in statuses if status == 503) > failures, 20)
        redis.start()
        seen = len(statuses)
        eventually(lambda: len(statuses) > seen + resumed, 20)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    return statuses
