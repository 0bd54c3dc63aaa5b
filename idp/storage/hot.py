"""The hot path's SQL: prepared statements on raw, autocommit psycopg connections.

Userinfo reads one row per request. Through the ORM that row cost four Postgres round
trips (the pool's pre-ping, BEGIN, the SELECT, ROLLBACK) and ~0.7 ms of client CPU,
and the ROLLBACK made psycopg drop its prepared statements every time
(docs/performance.md). Here a read is one round trip: a fixed SQL text, prepared by
psycopg on the connection after its first use (``prepare_threshold``), on a connection
in autocommit mode (a single SELECT is its own transaction; nothing to roll back).

The pool is per process (made on first use after gunicorn forked), LIFO, and small:
one connection per thread that asks at once, at most ``database_pool_size`` kept. No
pre-ping: a connection that Postgres closed (a restart, an idle timeout) fails its
statement, is dropped, and the statement is sent once more on a new connection —
a read only, so repeating it is safe. A failure of the new connection propagates as
``psycopg.OperationalError`` (a 503, web/errors.py), as a database outage does on the
ORM path. Only for PostgreSQL; the embedded SQLite default keeps the ORM path
(``hot_sql()`` is None).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from contextvars import ContextVar

import psycopg
from flask import current_app

from ..extensions import db

EXTENSION = "idp.hot_sql"
_UNIT: ContextVar[psycopg.Connection | None] = ContextVar("idp_hot_unit", default=None)


class HotSQL:
    """A small pool of autocommit psycopg connections for single-statement reads."""

    def __init__(self, conninfo: str, keep: int):
        self.conninfo, self.keep = conninfo, max(1, keep)
        self.idle: list[psycopg.Connection] = []
        self.lock = threading.Lock()
        self.pid = os.getpid()

    def _connect(self) -> psycopg.Connection:
        conn = psycopg.connect(self.conninfo, autocommit=True, prepare_threshold=1)
        return conn

    def _take(self) -> tuple[psycopg.Connection, bool]:
        with self.lock:
            if self.idle:
                return self.idle.pop(), True
        return self._connect(), False

    def _give(self, conn: psycopg.Connection) -> None:
        with self.lock:
            if len(self.idle) < self.keep and not conn.closed:
                self.idle.append(conn)
                return
        conn.close()

    def fetchone(self, sql: str, params: tuple):
        """The first row of one read (a tuple), or None: one round trip."""
        conn, reused = self._take()
        try:
            row = conn.execute(sql, params).fetchone()
        except psycopg.OperationalError:
            conn.close()
            if not reused:
                raise
            conn = self._connect()  # the idle one had gone stale: once more, on a new one
            try:
                row = conn.execute(sql, params).fetchone()
            except BaseException:
                conn.close()
                raise
        except BaseException:
            conn.close()
            raise
        self._give(conn)
        return row

    @contextmanager
    def unit_of_work(self):
        """One transaction on one connection, in pipeline mode: the statements are sent
        as they come and read when a result is asked for (``fetchone``), so BEGIN and
        every write up to the first read travel in one round trip and COMMIT in the
        next. Commits when the block ends, rolls back when it raises. ``current()``
        gives the connection to the writers it calls (refresh.py, audit.py)."""
        conn, reused = self._take()
        if reused and conn.pgconn.status != psycopg.pq.ConnStatus.OK:
            conn.close()
            conn = self._connect()
        marker = _UNIT.set(conn)
        try:
            with conn.pipeline(), conn.transaction():
                yield conn
        except BaseException:
            _UNIT.reset(marker)
            if conn.broken or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.close()  # never pool a connection in an unknown state
            else:
                self._give(conn)
            raise
        _UNIT.reset(marker)
        self._give(conn)

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for conn in idle:
            conn.close()


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


def current() -> psycopg.Connection | None:
    """The connection of the ``unit_of_work`` open on this thread, if any."""
    return _UNIT.get()


def dispose(app) -> None:
    """Close this process's hot connections of ``app`` (tests; a stopping instance)."""
    held = app.extensions.pop(EXTENSION, None)
    if held is not None and held.pid == os.getpid():
        held.close()
