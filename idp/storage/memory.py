"""The in-process backend of the shared store, for the embedded default.

Correct for one process (every operation holds one lock); ``idp serve``
refuses more than one worker without Redis for that reason. TTLs run on the clock
it is given: by default ``idp.clock.monotonic``, which ``clock.advance`` moves in
tests, so an expiry is tested by moving the clock, not by sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .. import clock as idp_clock
from .store import Store


class MemoryStore(Store):
    def __init__(self, clock: Callable[[], float] = idp_clock.monotonic):
        self._now = clock
        self._data: dict[str, object] = {}
        self._expiry: dict[str, float] = {}
        self._lock = threading.RLock()
        self._subscribers: dict[str, list[Callable[[str], None]]] = {}
        self._prefix_subscribers: list[Callable[[str, str], None]] = []

    def _alive(self, key):
        deadline = self._expiry.get(key)
        if deadline is not None and deadline <= self._now():
            self._data.pop(key, None)
            self._expiry.pop(key, None)
        return key in self._data

    def _set_ttl(self, key, ttl):
        if ttl:
            self._expiry[key] = self._now() + ttl
        else:
            self._expiry.pop(key, None)

    def get(self, key):
        with self._lock:
            return self._data[key] if self._alive(key) else None

    def set(self, key, value, ttl=None, nx=False):
        with self._lock:
            if nx and self._alive(key):
                return False
            self._data[key] = str(value)
            self._set_ttl(key, ttl)
            return True

    def getdel(self, key):
        with self._lock:
            value = self._data.pop(key, None) if self._alive(key) else None
            self._expiry.pop(key, None)
            return value

    def set_and_get(self, key, value, ttl, read_key):
        with self._lock:
            self.set(key, value, ttl)
            return self.get(read_key)

    def get_many(self, *keys):
        with self._lock:
            return [self.get(key) for key in keys]

    def set_many(self, values, ttl=None):
        with self._lock:
            for key, value in values.items():
                self.set(key, value, ttl)

    def set_each(self, values):
        with self._lock:
            for key, (value, ttl) in values.items():
                self.set(key, value, ttl)

    def get_with_members(self, key, set_key):
        with self._lock:
            return self.get(key), self.smembers(set_key)

    def sadd_within_ttl(self, key, member, ttl_key):
        with self._lock:
            remaining = self.ttl(ttl_key)
            if remaining is None or remaining <= 0:
                self.delete(key)
                return False
            self.sadd(key, member)
            self._set_ttl(key, remaining)
            return True

    def delete(self, *keys):
        with self._lock:
            count = 0
            for key in keys:
                if self._alive(key):
                    count += 1
                self._data.pop(key, None)
                self._expiry.pop(key, None)
            return count

    def incr(self, key, ttl=None):
        with self._lock:
            created = not self._alive(key)
            value = 1 if created else int(self._data[key]) + 1
            self._data[key] = str(value)
            if created:
                self._set_ttl(key, ttl)
            return value

    def ttl(self, key):
        with self._lock:
            if not self._alive(key) or key not in self._expiry:
                return None
            return max(0.0, self._expiry[key] - self._now())

    def expire(self, key, ttl):
        with self._lock:
            if not self._alive(key):
                return False
            self._set_ttl(key, ttl)
            return True

    def _container(self, key, kind):
        if not self._alive(key):
            self._data[key] = kind()
        return self._data[key]

    def sadd(self, key, *members):
        with self._lock:
            bucket = self._container(key, set)
            before = len(bucket)
            bucket.update(members)
            return len(bucket) - before

    def srem(self, key, *members):
        with self._lock:
            if not self._alive(key):
                return 0
            bucket = self._data[key]
            before = len(bucket)
            bucket.difference_update(members)
            if not bucket:
                self.delete(key)
            return before - len(bucket)

    def smembers(self, key):
        with self._lock:
            return set(self._data[key]) if self._alive(key) else set()

    def rpush(self, key, *values):
        with self._lock:
            items = self._container(key, list)
            items.extend(values)
            return len(items)

    def lrange(self, key, start=0, end=-1):
        with self._lock:
            if not self._alive(key):
                return []
            items = self._data[key]
            stop = None if end == -1 else end + 1
            return list(items[start:stop])

    def zadd(self, key, member, score):
        with self._lock:
            self._container(key, dict)[member] = float(score)

    def zpop_due(self, key, max_score, limit=100):
        with self._lock:
            if not self._alive(key):
                return []
            scores = self._data[key]
            due = sorted((s, m) for m, s in scores.items() if s <= max_score)[:limit]
            for _, member in due:
                del scores[member]
            return [member for _, member in due]

    def publish(self, channel, message):
        with self._lock:
            callbacks = list(self._subscribers.get(channel, []))
            prefixed = list(self._prefix_subscribers)
        for callback in callbacks:
            callback(message)
        for deliver in prefixed:
            deliver(channel, message)

    def subscribe(self, channel, callback):
        with self._lock:
            self._subscribers.setdefault(channel, []).append(callback)

        def unsubscribe():
            with self._lock:
                if callback in self._subscribers.get(channel, []):
                    self._subscribers[channel].remove(callback)

        return unsubscribe

    def subscribe_prefix(self, prefix, callback, on_ready=None):
        def deliver(channel, message):
            if channel.startswith(prefix):
                callback(channel, message)

        with self._lock:
            self._prefix_subscribers.append(deliver)
        if on_ready:
            on_ready()  # in-process: subscribed at once, nothing can be missed

        def unsubscribe():
            with self._lock:
                if deliver in self._prefix_subscribers:
                    self._prefix_subscribers.remove(deliver)

        return unsubscribe

    def _live_slots(self, key):
        now = self._now()
        slots = self._container(key, dict)
        for member in [m for m, deadline in slots.items() if deadline <= now]:
            del slots[member]
        return slots

    def acquire_slot(self, member, limits, ttl):
        with self._lock:
            for key, limit in limits.items():
                if len(self._live_slots(key)) >= limit:
                    return key
            for key in limits:
                self._live_slots(key)[member] = self._now() + ttl
            return None

    def release_slot(self, member, *keys):
        with self._lock:
            for key in keys:
                if self._alive(key):
                    self._data[key].pop(member, None)

    def slot_count(self, key):
        with self._lock:
            return len(self._live_slots(key)) if self._alive(key) else 0

    def ping(self):
        return True

    def clear(self):
        with self._lock:
            self._data.clear()
            self._expiry.clear()
