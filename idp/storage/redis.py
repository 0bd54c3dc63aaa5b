"""The Redis backend of the shared store (see store.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import redis

from .store import Store, StoreUnavailable

# Atomic "pop every member due by now": ZRANGEBYSCORE then ZREM in one script,
# so two workers never take the same job.
_ZPOP_DUE = """
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #items > 0 then redis.call('ZREM', KEYS[1], unpack(items)) end
return items
"""


# Add a member to a set and align the set's TTL with another key's, or drop the
# set when that key is gone: the SSO session's client set (sessions/store.py).
_SADD_WITHIN_TTL = """
redis.call('SADD', KEYS[1], ARGV[1])
local ms = redis.call('PTTL', KEYS[2])
if ms < 0 then redis.call('DEL', KEYS[1]) return 0 end
redis.call('PEXPIRE', KEYS[1], ms)
return 1
"""


# Take one slot in every key or none (store.acquire_slot). A slot is a sorted-set member
# scored with its expiry in Redis's own clock (TIME), so instances' clocks never matter.
# KEYS: the slot sets; ARGV: member, ttl ms, then one limit per key.
_ACQUIRE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[i + 2]) then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', key, ARGV[2])
end
return 0
"""

_SLOT_COUNT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
"""


# The longest subscribe() waits for Redis to confirm (a connect takes at most 2 s).
SUBSCRIBE_TIMEOUT = 5.0


# INCR, and the first time only (NX) an expiry: atomic like the MULTI it replaces.
INCR_EXPIRE = """
local n = redis.call('INCR', KEYS[1])
if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1], 'NX') end
return n
"""


def _glob_escape(text: str) -> str:
    """``text`` as a literal in a Redis glob pattern (PSUBSCRIBE)."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _guard(method):
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailable(str(exc)) from exc

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class RedisStore(Store):
    def __init__(self, url: str, prefix: str = "idp:"):
        self.prefix = prefix
        self.client = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5,
            health_check_interval=15, retry_on_timeout=False,
        )
        self._zpop = self.client.register_script(_ZPOP_DUE)
        self._sadd_within_ttl = self.client.register_script(_SADD_WITHIN_TTL)
        self._acquire_slot = self.client.register_script(_ACQUIRE_SLOT)
        self._slot_count = self.client.register_script(_SLOT_COUNT)
        self._incr_expire = self.client.register_script(INCR_EXPIRE)

    def _k(self, key: str) -> str:
        return self.prefix + key

    @_guard
    def get(self, key):
        return self.client.get(self._k(key))

    @_guard
    def set(self, key, value, ttl=None, nx=False):
        px = int(ttl * 1000) if ttl else None
        return bool(self.client.set(self._k(key), value, px=px, nx=nx))

    @_guard
    def getdel(self, key):
        return self.client.getdel(self._k(key))

    @_guard
    def set_and_get(self, key, value, ttl, read_key):
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self._k(key), value, px=int(ttl * 1000) if ttl else None)
        pipe.get(self._k(read_key))
        return pipe.execute()[1]

    @_guard
    def get_many(self, *keys):
        return self.client.mget([self._k(k) for k in keys]) if keys else []

    @_guard
    def set_many(self, values, ttl=None):
        pipe = self.client.pipeline(transaction=True)
        for key, value in values.items():
            pipe.set(self._k(key), value, px=int(ttl * 1000) if ttl else None)
        pipe.execute()

    @_guard
    def set_each(self, values):
        pipe = self.client.pipeline(transaction=True)
        for key, (value, ttl) in values.items():
            pipe.set(self._k(key), value, px=int(ttl * 1000) if ttl else None)
        pipe.execute()

    @_guard
    def get_with_members(self, key, set_key):
        pipe = self.client.pipeline(transaction=False)
        pipe.get(self._k(key))
        pipe.smembers(self._k(set_key))
        value, members = pipe.execute()
        return value, set(members)

    @_guard
    def sadd_within_ttl(self, key, member, ttl_key):
        return bool(self._sadd_within_ttl(keys=[self._k(key), self._k(ttl_key)], args=[member]))

    @_guard
    def delete(self, *keys):
        return self.client.delete(*[self._k(k) for k in keys]) if keys else 0

    @_guard
    def incr(self, key, ttl=None):
        # One EVALSHA: a MULTI pipeline of INCR and PEXPIRE cost redis-py ~3× the client
        # CPU of one command (every rate-limited request pays it; docs/performance.md).
        return int(self._incr_expire(keys=[self._k(key)], args=[int(ttl * 1000) if ttl else 0]))

    @_guard
    def ttl(self, key):
        ms = self.client.pttl(self._k(key))
        return ms / 1000 if ms >= 0 else None

    @_guard
    def expire(self, key, ttl):
        return bool(self.client.pexpire(self._k(key), int(ttl * 1000)))

    @_guard
    def sadd(self, key, *members):
        return self.client.sadd(self._k(key), *members) if members else 0

    @_guard
    def srem(self, key, *members):
        return self.client.srem(self._k(key), *members) if members else 0

    @_guard
    def smembers(self, key):
        return set(self.client.smembers(self._k(key)))

    @_guard
    def rpush(self, key, *values):
        return self.client.rpush(self._k(key), *values)

    @_guard
    def lrange(self, key, start=0, end=-1):
        return self.client.lrange(self._k(key), start, end)

    @_guard
    def zadd(self, key, member, score):
        self.client.zadd(self._k(key), {member: score})

    @_guard
    def zpop_due(self, key, max_score, limit=100):
        return list(self._zpop(keys=[self._k(key)], args=[max_score, limit]))

    @_guard
    def publish(self, channel, message):
        self.client.publish(self._k(channel), message)

    def subscribe(self, channel: str, callback: Callable[[str], None]) -> Callable[[], None]:
        """Listen on ``channel``; return once Redis confirmed the subscription.

        Redis drops a message published before SUBSCRIBE is confirmed, so a caller that
        publishes right after this returns (a key broadcast just after start-up) is
        heard. When Redis is unreachable it returns after the first failed attempt (or
        ``SUBSCRIBE_TIMEOUT``); the listener keeps retrying until Redis returns.
        """
        ready = threading.Event()
        stop = self._listen(f"subscribe:{channel}", lambda p: p.subscribe(self._k(channel)),
                            lambda m: callback(m["data"]), "message", ready.set, ready.set)
        ready.wait(SUBSCRIBE_TIMEOUT)
        return stop

    def subscribe_prefix(self, prefix, callback, on_ready=None):
        own = len(self.prefix)
        pattern = _glob_escape(self._k(prefix)) + "*"
        return self._listen(f"psubscribe:{prefix}", lambda p: p.psubscribe(pattern),
                            lambda m: callback(m["channel"][own:], m["data"]), "pmessage",
                            on_ready or (lambda: None))

    def _listen(self, name, subscribe, deliver, kind, on_ready, on_failure=lambda: None):
        """Run a pub/sub listener thread: ``on_ready()`` at each confirmed (re)subscription,
        ``deliver(message)`` for each message of ``kind``; return its stop."""
        stop = threading.Event()

        def listen():
            while not stop.is_set():
                pubsub = self.client.pubsub()
                try:
                    subscribe(pubsub)
                    while not stop.is_set():
                        message = pubsub.get_message(timeout=0.5)
                        if not message:
                            continue
                        if message["type"] in ("subscribe", "psubscribe"):
                            on_ready()
                        elif message["type"] == kind:
                            deliver(message)
                except (redis.ConnectionError, redis.TimeoutError):
                    on_failure()
                    stop.wait(1.0)  # Redis went away: retry until it returns.
                finally:
                    pubsub.close()

        threading.Thread(target=listen, name=name, daemon=True).start()
        return stop.set

    @_guard
    def acquire_slot(self, member, limits, ttl):
        keys = list(limits)
        full = self._acquire_slot(keys=[self._k(k) for k in keys],
                                  args=[member, max(1, int(ttl * 1000)), *limits.values()])
        return keys[int(full) - 1] if full else None

    @_guard
    def release_slot(self, member, *keys):
        if keys:
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.zrem(self._k(key), member)
            pipe.execute()

    @_guard
    def slot_count(self, key):
        return int(self._slot_count(keys=[self._k(key)]))

    def ping(self):
        try:
            return bool(self.client.ping())
        except (redis.ConnectionError, redis.TimeoutError):
            return False

    @_guard
    def clear(self):
        for key in self.client.scan_iter(match=self.prefix + "*", count=500):
            self.client.delete(key)
