"""What one Postgres or Redis round trip costs the IdP's process, and what the ORM adds.

    python bench/roundtrip_bench.py [--n 3000]

The figures the hot-path work is budgeted against (docs/performance.md): client
CPU (``time.process_time``), wall time and the CPU of the Postgres backends
serving this script (/proc, same machine; Redis's is not attributed) per
operation, single-threaded, on the shared Postgres and Redis of
bench/harness.py (a scratch database; nothing else is touched). Rows:

- psycopg, autocommit, ``SELECT 1``: one round trip, the floor.
- psycopg, ``BEGIN; SELECT; ROLLBACK`` as the request path does it for a lone
  read (three round trips), and the same ending in COMMIT.
- the same lookup through SQLAlchemy Core on a pooled connection (``pool_pre_ping``
  on, as idp/app.py configures it, and off), and through an ORM ``session.get``
  that loads a mapped row: what the layers above the driver add.
- redis-py: one GET; a pipeline of 3 GETs; an MGET of 3 keys.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
import redis
from harness import CLK_TCK, REDIS_URL, free_port, scratch_environment
from sqlalchemy import Integer, String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Person(Base):
    __tablename__ = "bench_people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))


BACKENDS: set[int] = set()  # Postgres server processes of this script's connections


def backend_cpu() -> float:
    """CPU seconds of this script's Postgres backends (same machine: /proc)."""
    total = 0.0
    for pid in BACKENDS:
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def timed(label: str, n: int, step) -> str:
    for _ in range(min(200, n)):
        step()  # warm: prepared statements, pools, caches
    cpu, wall, server = time.process_time(), time.perf_counter(), backend_cpu()
    for _ in range(n):
        step()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    server = backend_cpu() - server
    return (f"{label:<62} {1e6 * cpu / n:7.1f} µs CPU {1e6 * wall / n:7.1f} µs wall "
            f"{1e6 * server / n:7.1f} µs Postgres CPU")


def run(url: str, n: int) -> list[str]:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    engine = create_engine(url, pool_pre_ping=True)
    unpinged = create_engine(url)
    for pooled in (engine, unpinged):
        event.listen(pooled, "connect", lambda dbapi, _record: BACKENDS.add(dbapi.info.backend_pid))
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Person(id=1, email="a@bench.example", name="A"))
        session.commit()
    auto = psycopg.connect(dsn, autocommit=True)
    plain = psycopg.connect(dsn)
    BACKENDS.update({auto.info.backend_pid, plain.info.backend_pid})
    r = redis.Redis.from_url(REDIS_URL)
    r.set("idpbench:rt:a", "1", ex=60)

    def read_rollback():
        plain.execute("SELECT email FROM bench_people WHERE id = %s", (1,)).fetchone()
        plain.rollback()

    def read_commit():
        plain.execute("SELECT email FROM bench_people WHERE id = %s", (1,)).fetchone()
        plain.commit()

    def core():
        with engine.connect() as conn:  # checkout (pre-ping), BEGIN, SELECT, ROLLBACK
            conn.execute(select(Person.email).where(Person.id == 1)).one()

    def core_unpinged():
        with unpinged.connect() as conn:
            conn.execute(select(Person.email).where(Person.id == 1)).one()

    built = select(Person.email).where(Person.id == 1)

    def core_built():
        with unpinged.connect() as conn:
            conn.execute(built).one()

    def orm():
        with Session(engine) as session:
            session.get(Person, 1)

    pipe_keys = ["idpbench:rt:a"] * 3

    def pipeline():
        with r.pipeline(transaction=False) as p:
            for key in pipe_keys:
                p.get(key)
            p.execute()

    rows = [
        timed("psycopg, autocommit: SELECT 1 (one round trip)", n,
              lambda: auto.execute("SELECT 1").fetchone()),
        timed("psycopg, autocommit: SELECT by primary key", n,
              lambda: auto.execute("SELECT email FROM bench_people WHERE id = %s", (1,)).fetchone()),
        timed("psycopg: BEGIN; SELECT; ROLLBACK (3 round trips)", n, read_rollback),
        timed("psycopg: BEGIN; SELECT; COMMIT (3 round trips)", n, read_commit),
        timed("SQLAlchemy Core, pooled, pre-ping: checkout + SELECT", n, core),
        timed("SQLAlchemy Core, pooled, no pre-ping", n, core_unpinged),
        timed("SQLAlchemy Core, pooled, no pre-ping, statement built once", n, core_built),
        timed("SQLAlchemy ORM, pooled, pre-ping: Session.get (a mapped row)", n, orm),
        timed("redis-py: GET", n, lambda: r.get("idpbench:rt:a")),
        timed("redis-py: MGET of 3 keys", n, lambda: r.mget(pipe_keys)),
        timed("redis-py: pipeline of 3 GETs (no MULTI)", n, pipeline),
    ]
    r.delete("idpbench:rt:a")
    auto.close()
    plain.close()
    engine.dispose()
    unpinged.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    with scratch_environment(free_port()) as env:
        print("\n".join(run(env["IDP_DATABASE_URL"], args.n)))


if __name__ == "__main__":
    main()
