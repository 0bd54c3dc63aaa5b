"""The hot path's SQL: prepared statements on raw, autocommit psycopg connections.

Userinfo reads one row per request. Through the ORM that row cost four Postgres round
trips (the pool's pre-ping, BEGIN, the SELECT, ROLLBACK) and ~0.7 ms of client CPU,
and the ROLLBACK made psycopg drop its prepared statements every time
(docs/performance.md). Here a read is one round trip: a fixed SQL text, prepared by
psycopg on the connection after its first use (``prepare_threshold``), on a connection
in autocommit mode (a single statement is its own transaction; nothing to roll back).

Writes that must commit together are *gathered* (``gathering``: the writers put their
values into a ``Statement`` instead of executing) and sent as one SQL statement by the
owner of the unit of work (``HotSQL.write``): one round trip, one transaction. The
refresh grant's rotation is the one user (oidc/refresh.py).

The pool is per process (made on first use after gunicorn forked), LIFO, and small:
one connection per thread that asks at once, at most ``database_pool_size`` kept idle
(in addition to SQLAlchemy's pool). No pre-ping round trip: an idle connection is
checked without one when it is taken (``_alive``: is its socket readable while idle? A
connection Postgres closed — a restart, ``pg_terminate_backend``, an idle
timeout — shows as closed), and dropped with every other idle one, which the same restart
closed too. A read that still meets a dead connection is sent once more on a new one.
A write is never repeated (whether it committed is unknown): it fails
as ``psycopg.OperationalError``, a 503 (web/errors.py), as a database outage does on
the ORM path; the refresh grant reads through the pool just before it writes, which
puts a live connection on top. Only for PostgreSQL; the embedded SQLite default keeps
the ORM path (``hot_sql()`` is None).
"""

from __future__ import annotations

import os
import select
import threading
from contextlib import contextmanager
from contextvars import ContextVar

import psycopg
from flask import current_app

from ..extensions import db

EXTENSION = "idp.hot_sql"
_UNIT: ContextVar[Statement | None] = ContextVar("idp_hot_unit", default=None)


class Statement:
    """The parts of one unit of work, gathered while it runs and sent as ONE statement.

    The writers it calls (refresh.issue, refresh.claim, audit.stage) find it with
    ``current()`` and ``put`` their values under a name instead of executing; the owner
    runs one SQL text over all of them when the block ends: a statement is its own
    transaction in autocommit mode, so the parts commit together or not at all, in one
    round trip (the refresh grant's rotation, oidc/refresh.py).
    """

    def __init__(self):
        self.parts: dict[str, dict] = {}

    def put(self, name: str, values: dict) -> None:
        if name in self.parts:
            raise RuntimeError(f"{name} staged twice in one statement")
        self.parts[name] = values

    def params(self) -> dict:
        """Every part's values, prefixed by the part's name (``audit_at``, ...)."""
        return {f"{name}_{key}": value for name, values in self.parts.items()
                for key, value in values.items()}


@contextmanager
def gathering():
    """Collect the writes of the block into a ``Statement`` (yielded), not the session."""
    statement = Statement()
    marker = _UNIT.set(statement)
    try:
        yield statement
    finally:
        _UNIT.reset(marker)


class HotSQL:
    """A small pool of autocommit psycopg connections for single-statement reads."""

    def __init__(self, conninfo: str, keep: int, overflow: int = 10, timeout: float = 30.0):
        self.conninfo, self.keep = conninfo, max(1, keep)
        self.idle: list[psycopg.Connection] = []
        self.lock = threading.Lock()
        self.pid = os.getpid()
        # At most keep + overflow connections in use at once, as SQLAlchemy's pool
        # (pool_size + max_overflow): a burst waits for a free one, never exhausts Postgres.
        self.slots = threading.BoundedSemaphore(self.keep + overflow)
        self.timeout = timeout

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, autocommit=True, prepare_threshold=1)

    def _take(self) -> tuple[psycopg.Connection, bool]:
        """A connection (and whether it was idle); the caller holds one slot until
        ``_give`` or ``_drop``."""
        if not self.slots.acquire(timeout=self.timeout):
            raise psycopg.OperationalError("no hot-path connection free (pool timeout)")
        with self.lock:
            while self.idle:
                conn = self.idle.pop()
                if _alive(conn):
                    return conn, True
                # Postgres closed it: a restart closed its siblings as well.
                stale, self.idle = [conn, *self.idle], []
                for dead in stale:
                    dead.close()
        try:
            return self._connect(), False
        except BaseException:
            self.slots.release()
            raise

    def _give(self, conn: psycopg.Connection) -> None:
        with self.lock:
            keep = len(self.idle) < self.keep and not conn.closed
            if keep:
                self.idle.append(conn)
        if not keep:
            conn.close()
        self.slots.release()

    def _drop(self, conn: psycopg.Connection) -> None:
        conn.close()
        self.slots.release()

    def write(self, sql: str, params) -> tuple | None:
        """Run one writing statement; its first row (RETURNING), or None. Not repeated on
        a failure: whether it committed is unknown (the caller's 503 says "try again")."""
        conn, _ = self._take()
        try:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.close()
                conn = self._connect()
            cursor = conn.execute(sql, params)
            row = cursor.fetchone() if cursor.description else None
        except BaseException:
            self._drop(conn)
            raise
        self._give(conn)
        return row

    def fetchone(self, sql: str, params: tuple):
        """The first row of one read (a tuple), or None: one round trip."""
        conn, reused = self._take()
        try:
            try:
                row = conn.execute(sql, params).fetchone()
            except psycopg.OperationalError:
                if not reused:
                    raise
                conn.close()
                conn = self._connect()  # the idle one had gone stale: once more, on a new one
                row = conn.execute(sql, params).fetchone()
        except BaseException:
            self._drop(conn)
            raise
        self._give(conn)
        return row

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for conn in idle:
            conn.close()


def _alive(conn: psycopg.Connection) -> bool:
    """Is an idle connection still open? No round trip: an idle autocommit connection
    with nothing pending has nothing to read, so a readable socket means Postgres sent
    its FATAL and closed it (or, rarely, an unsolicited message: a new connection is
    cheaper than reasoning about it)."""
    if conn.closed:
        return False
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    return not readable


def hot_sql() -> HotSQL | None:
    """This process's pool for the app's Postgres database; None on SQLite."""
    app = current_app._get_current_object()
    held = app.extensions.get(EXTENSION)
    if held is not None and held.pid == os.getpid():
        return held
    url = db.engine.url
    if url.get_backend_name() != "postgresql":
        return None
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    held = app.extensions[EXTENSION] = HotSQL(conninfo, app.config["IDP"].database_pool_size)
    return held


def current() -> Statement | None:
    """The ``Statement`` being gathered on this thread, if any."""
    return _UNIT.get()


def dispose(app) -> None:
    """Close this process's hot connections of ``app`` (tests; a stopping instance)."""
    held = app.extensions.pop(EXTENSION, None)
    if held is not None and held.pid == os.getpid():
        held.close()
