"""The shared short-lived store: one interface, two backends.

``RedisStore`` (``redis.py``) is what real deployments and the tests use;
``MemoryStore`` (``memory.py``) is the embedded default's in-process stand-in.
Both run the same conformance suite (tests/storage/test_store_contract.py).
Every atomic operation the IdP relies on is one call here (``getdel``,
``set(nx=True)``, ``incr``), never a read followed by a write.
Values are strings; callers serialise JSON themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from flask import current_app


class StoreUnavailable(Exception):
    """The store cannot be reached; requests answer 503 temporarily_unavailable."""


class Store(ABC):
    """What the IdP needs of Redis, and nothing more."""

    @abstractmethod
    def get(self, key: str) -> str | None: ...

    @abstractmethod
    def set(self, key: str, value: str, ttl: float | None = None, nx: bool = False) -> bool:
        """Store ``value``; with ``nx`` only when absent. Return whether it was stored."""

    @abstractmethod
    def getdel(self, key: str) -> str | None:
        """Return and delete ``key`` in one step (the consume-once primitive)."""

    @abstractmethod
    def set_and_get(self, key: str, value: str, ttl: float | None, read_key: str) -> str | None:
        """Store ``value`` at ``key`` and return ``read_key``'s value, in one atomic step.

        Of two callers that each set one key and read the other's, the second sees
        the first's write (one round trip to Redis: MULTI/EXEC).
        """

    @abstractmethod
    def get_many(self, *keys: str) -> list[str | None]:
        """The values of ``keys`` in order (None where missing), in one round trip (MGET)."""

    @abstractmethod
    def set_many(self, values: dict[str, str], ttl: float | None = None) -> None:
        """Store every key of ``values`` with the same TTL, all or none (MULTI/EXEC)."""

    @abstractmethod
    def set_each(self, values: dict[str, tuple[str, float | None]]) -> None:
        """Store every ``key: (value, ttl)``, all or none (MULTI/EXEC): no reader sees a part."""

    @abstractmethod
    def get_with_members(self, key: str, set_key: str) -> tuple[str | None, set[str]]:
        """``key``'s value and ``set_key``'s members, in one round trip to Redis."""

    @abstractmethod
    def sadd_within_ttl(self, key: str, member: str, ttl_key: str) -> bool:
        """Add ``member`` to the set ``key`` and give ``key`` the TTL ``ttl_key`` has left.

        One atomic step (a script in Redis). When ``ttl_key`` is gone or has no TTL,
        ``key`` is deleted instead and the result is False.
        """

    @abstractmethod
    def delete(self, *keys: str) -> int: ...

    @abstractmethod
    def incr(self, key: str, ttl: float | None = None) -> int:
        """Increment; set ``ttl`` when the key is created. Return the new value."""

    @abstractmethod
    def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires; None when absent or persistent."""

    @abstractmethod
    def expire(self, key: str, ttl: float) -> bool: ...

    @abstractmethod
    def sadd(self, key: str, *members: str) -> int: ...

    @abstractmethod
    def srem(self, key: str, *members: str) -> int: ...

    @abstractmethod
    def smembers(self, key: str) -> set[str]: ...

    @abstractmethod
    def rpush(self, key: str, *values: str) -> int: ...

    @abstractmethod
    def lrange(self, key: str, start: int = 0, end: int = -1) -> list[str]: ...

    @abstractmethod
    def zadd(self, key: str, member: str, score: float) -> None: ...

    @abstractmethod
    def zpop_due(self, key: str, max_score: float, limit: int = 100) -> list[str]:
        """Remove and return members with score <= max_score (each to one caller only)."""

    @abstractmethod
    def publish(self, channel: str, message: str) -> None: ...

    @abstractmethod
    def subscribe(self, channel: str, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call ``callback(message)`` from a background thread; return an unsubscribe.

        Return only once the subscription is in place (Redis confirmed SUBSCRIBE): a
        message published after that reaches ``callback``.
        """

    @abstractmethod
    def subscribe_prefix(self, prefix: str, callback: Callable[[str, str], None],
                         on_ready: Callable[[], None] | None = None) -> Callable[[], None]:
        """Call ``callback(channel, message)`` for every channel starting with ``prefix``.

        One subscription however many channels (Redis PSUBSCRIBE), from a background
        thread. ``on_ready()`` runs each time the subscription is (re)established:
        messages published while it was down are lost, so the caller re-reads its state.
        Return an unsubscribe.
        """

    @abstractmethod
    def acquire_slot(self, member: str, limits: dict[str, int], ttl: float) -> str | None:
        """Take a slot named ``member`` in each key of ``limits``, all or none, atomically.

        Each key holds at most its limit of unexpired slots; a slot expires ``ttl``
        seconds after it was taken (so a holder that died frees it). Return None when
        taken, else the first key that was full (then nothing changed).
        """

    @abstractmethod
    def release_slot(self, member: str, *keys: str) -> None:
        """Give back the slot ``member`` in each of ``keys`` (absent ones are ignored)."""

    @abstractmethod
    def slot_count(self, key: str) -> int:
        """The unexpired slots taken in ``key``."""

    @abstractmethod
    def ping(self) -> bool: ...

    @abstractmethod
    def clear(self) -> None:
        """Delete every key under this store's prefix (tests and `idp` tooling)."""


def create_store(settings) -> Store:
    """Build the store the settings ask for."""
    if settings.redis_url:
        from .redis import RedisStore

        return RedisStore(settings.redis_url, settings.redis_prefix)
    from .memory import MemoryStore

    return MemoryStore()


def get_store() -> Store:
    """Return the current app's store."""
    return current_app.extensions["idp.store"]
