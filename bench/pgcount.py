"""Postgres round trips as psycopg 3 makes them, counted in-process (the profilers only).

SQLAlchemy's ``before_cursor_execute`` sees statements, not round trips: psycopg
also sends ``BEGIN`` before the first statement of a transaction
(``BaseConnection._start_query``), the pool's pre-ping is a query of its own, and
COMMIT / ROLLBACK are round trips unless the connection is idle (then psycopg
sends nothing). A ROLLBACK also makes psycopg forget its prepared statements
and, when it had prepared some, send ``DEALLOCATE ALL``. This wraps
``psycopg.Connection.wait`` — every exchange with the server goes through it —
and works out what each call sends from the connection's state just before.
"""

from __future__ import annotations

import sys

import psycopg
from psycopg.pq import TransactionStatus

# SQLAlchemy's caller of the psycopg method → what it is.
CALLERS = {"do_ping": "ping", "do_execute": "statement", "do_executemany": "statements",
           "do_commit": "COMMIT", "do_rollback": "ROLLBACK"}
SILENT = {"set_autocommit", "_set_autocommit", "set_isolation_level", "set_read_only"}


def install(record) -> None:
    """Call ``record(what, round_trips)`` for each exchange of any psycopg connection."""
    original = psycopg.Connection.wait

    def wait(self, gen, *args, **kwargs):
        method = sys._getframe(1).f_code.co_name  # psycopg's: execute, commit, rollback...
        caller = sys._getframe(2).f_code.co_name  # SQLAlchemy's: do_ping, do_execute...
        idle = self.pgconn.transaction_status == TransactionStatus.IDLE
        what, trips = CALLERS.get(caller, f"{method} ({caller})"), 1
        if method in SILENT:
            trips = 0  # a client-side setting; nothing is sent while idle
        elif method in ("commit", "rollback"):
            trips = 0 if idle else 1
            if method == "rollback" and not idle and self._prepared._names:
                what, trips = what + " + DEALLOCATE ALL", 2
        elif method in ("execute", "executemany") and idle and not self.autocommit:
            what, trips = "BEGIN + " + what, 2
        if trips:
            record(what, trips)
        return original(self, gen, *args, **kwargs)

    psycopg.Connection.wait = wait
