"""The event loop's own connections: async psycopg and async Redis for the loop endpoints.

Userinfo and introspection are answered on the ASGI front's event loop when everything
they need is at hand (oidc/loop_endpoints.py, web/loop_routes.py): no thread hop, no
Flask dispatch, and the waits on Postgres and Redis overlap on one loop instead of
holding pool threads. They need connections that belong to that loop: this module's
``LoopStore`` keeps a few autocommit psycopg ``AsyncConnection``s (prepared statements,
``prepare_threshold=1``, as storage/hot.py) and one ``redis.asyncio`` client with the
shared store's key prefix.

Every failure is an answer of "not here": the caller lets Flask serve the request, whose
path knows every fallback (Redis down → Postgres, a lost revocation cache → reload, a
dead connection → retried). So nothing here retries, and a connection that failed is
closed, never reused. Only for Postgres with the Redis store; the embedded default
(SQLite, the in-process store) has no loop store (``for_app`` is None).
"""

from __future__ import annotations

import asyncio
import contextlib

import psycopg
import redis
import redis.asyncio as aioredis

from .redis import INCR_EXPIRE, RedisStore



class LoopUnavailable(Exception):
    """Postgres or Redis did not answer on the loop: let Flask serve the request."""


class LoopStore:
    """Per event loop: autocommit async Postgres connections and an async Redis client."""

    def __init__(self, conninfo: str, redis_url: str, prefix: str, keep: int = 4):
        self.conninfo, self.prefix, self.keep = conninfo, prefix, max(1, keep)
        self.idle: list[psycopg.AsyncConnection] = []
        self.slots = asyncio.Semaphore(self.keep)  # at most `keep` Postgres connections
        self.redis = aioredis.Redis.from_url(
            redis_url, decode_responses=True, socket_connect_timeout=2, socket_timeout=2,
            retry_on_timeout=False)
        self.incr_sha: str | None = None

    async def fetchone(self, sql: str, params: tuple):
        """The first row of one read, or None; LoopUnavailable when Postgres fails."""
        return await self._run(sql, params)

    async def write(self, sql: str, params) -> tuple | None:
        """Run one writing statement (its own transaction); its first row, or None.
        LoopUnavailable when it failed: whether it committed is then unknown, and the
        caller must let a path that can find out serve the request."""
        return await self._run(sql, params)

    async def _run(self, sql: str, params):
        async with self.slots:
            conn = self.idle.pop() if self.idle else None
            try:
                if conn is None or conn.closed:
                    conn = await psycopg.AsyncConnection.connect(
                        self.conninfo, autocommit=True, prepare_threshold=1, connect_timeout=2)
                cursor = await conn.execute(sql, params)
                row = await cursor.fetchone() if cursor.description else None
            except (psycopg.Error, OSError) as exc:
                if conn is not None:
                    await conn.close()
                raise LoopUnavailable(f"postgres: {type(exc).__name__}") from None
            if len(self.idle) < self.keep:
                self.idle.append(conn)
            else:
                await conn.close()
            return row

    async def mget(self, *keys: str) -> list:
        try:
            return await self.redis.mget([self.prefix + k for k in keys])
        except (redis.RedisError, OSError) as exc:
            raise LoopUnavailable(f"redis: {type(exc).__name__}") from None

    async def incr_and_mget(self, counter: str, ttl: int, *keys: str) -> tuple[int, list]:
        """Count one hit on ``counter`` (storage/redis.py's INCR + first-time expiry, the
        same script) and read ``keys``, in one round trip (a pipeline, no transaction)."""
        try:
            if self.incr_sha is None:
                self.incr_sha = await self.redis.script_load(INCR_EXPIRE)
            pipe = self.redis.pipeline(transaction=False)
            pipe.evalsha(self.incr_sha, 1, self.prefix + counter, int(ttl * 1000))
            pipe.mget([self.prefix + k for k in keys])
            count, values = await pipe.execute()
        except redis.NoScriptError:
            self.incr_sha = None  # Redis restarted: loaded again next time; nothing counted
            raise LoopUnavailable("redis: script not loaded") from None
        except (redis.RedisError, OSError) as exc:
            raise LoopUnavailable(f"redis: {type(exc).__name__}") from None
        return int(count), values

    async def close(self) -> None:
        idle, self.idle = self.idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                await conn.close()
        with contextlib.suppress(Exception):
            await self.redis.aclose()


def for_app(app) -> LoopStore | None:
    """A loop store for ``app`` (to be used on the calling loop only); None unless the app
    runs on Postgres with the Redis store."""
    from ..extensions import db
    from .store import get_store

    with app.app_context():
        store = get_store()
        if not isinstance(store, RedisStore):
            return None
        url = db.engine.url
        if url.get_backend_name() != "postgresql":
            return None
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        settings = app.config["IDP"]
        return LoopStore(conninfo, settings.redis_url, store.prefix,
                         keep=settings.database_pool_size)
