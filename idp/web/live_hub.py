"""The live-update hub of one server process: one store subscription, many streams.

Billing publishes JSON on ``account:<org id>`` after each commit
(billing/lifecycle.publish_account_event). Each process holds *one* subscription to every
``account:`` channel (Redis PSUBSCRIBE, a background thread) and fans each message out,
on the event loop, to the streams of that organisation open in this process
(live.LiveStream). When the subscription is (re)established — at start, after a Redis
outage — messages may have been lost, so every open stream gets a fresh snapshot.

The hub also caps the streams of this process and keeps the polling endpoint cheap: a
snapshot served to a poll is kept for its organisation until the next message for it,
a resubscription or ``STATE_TTL`` seconds, whichever comes first.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from ..billing.lifecycle import ACCOUNT_CHANNEL_PREFIX
from ..ops.metrics import LIVE_STREAMS

log = logging.getLogger(__name__)
CHANNEL_PREFIX = ACCOUNT_CHANNEL_PREFIX
STATE_TTL = 15.0
STATES_KEPT = 1000
READY_WAIT = 2.0


class Hub:
    """Streams of this process by organisation, fed from one store subscription."""

    def __init__(self, store, loop: asyncio.AbstractEventLoop, capacity: int,
                 read_snapshot: Callable[[int], str], heartbeat: float):
        self.loop, self.capacity, self.read_snapshot = loop, capacity, read_snapshot
        self.heartbeat = max(1.0, float(heartbeat))
        self.ready = threading.Event()
        self._lock = threading.Lock()
        self._streams: dict[int, set] = {}
        self._taken = 0  # reserved or attached streams
        self._changes: dict[int, int] = {}  # messages seen per organisation
        self._generation = 0  # subscriptions (re)established
        self._states: dict[int, tuple[tuple[int, int], float, str]] = {}
        self._ticker: asyncio.TimerHandle | None = None
        self._closed = False
        self._unsubscribe = store.subscribe_prefix(CHANNEL_PREFIX, self._on_message,
                                                   self._on_ready)
        self._call_soon(self._tick)

    # --- capacity (any thread) ---
    def reserve(self) -> bool:
        """Take one of this process's stream places; False when all are taken."""
        with self._lock:
            if self._taken >= self.capacity:
                return False
            self._taken += 1
            return True

    def unreserve(self) -> None:
        with self._lock:
            self._taken -= 1

    def attach(self, org_id: int, stream) -> None:
        """Deliver ``org_id``'s messages to ``stream`` (holds a reserved place)."""
        with self._lock:
            self._streams.setdefault(org_id, set()).add(stream)
        LIVE_STREAMS.inc()

    def detach(self, org_id: int, stream) -> None:
        with self._lock:
            streams = self._streams.get(org_id, set())
            if stream not in streams:
                return
            streams.discard(stream)
            if not streams:
                del self._streams[org_id]
            self._taken -= 1
        LIVE_STREAMS.dec()

    def wait_ready(self) -> bool:
        """Block (briefly, only while the subscription starts) until it is established."""
        return self.ready.wait(READY_WAIT)

    # --- the polling endpoint's snapshots (request threads) ---
    def state(self, org_id: int, read: Callable[[], str]) -> str:
        """``read()``, or the snapshot kept for ``org_id`` if nothing changed since."""
        self.wait_ready()  # (only while a new hub subscribes) what is kept is then watched
        now = time.monotonic()
        with self._lock:
            version = (self._generation, self._changes.get(org_id, 0))
            kept = self._states.get(org_id)
        if self.ready.is_set() and kept and kept[0] == version and kept[1] > now:
            return kept[2]
        body = read()  # read after taking the version: a change during the read shows next time
        with self._lock:
            if len(self._states) >= STATES_KEPT:  # many organisations: forget the stale ones
                self._states = {k: v for k, v in self._states.items() if v[1] > now}
            self._states[org_id] = (version, now + STATE_TTL, body)
        return body

    # --- the subscription (the store's thread) ---
    def _on_message(self, channel: str, message: str) -> None:
        try:
            org_id = int(channel[len(CHANNEL_PREFIX):])
        except ValueError:
            return
        with self._lock:
            self._changes[org_id] = self._changes.get(org_id, 0) + 1
        self._call_soon(self._deliver, org_id, "update", message)

    def _on_ready(self) -> None:
        with self._lock:
            self._generation += 1
            self._states.clear()
        self.ready.set()
        self._call_soon(self._resnapshot_all)

    def _call_soon(self, callback, *args) -> None:
        try:
            self.loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            pass  # the loop is closed: the process is stopping

    # --- fan-out (the event loop) ---
    def _deliver(self, org_id: int, name: str, data: str) -> None:
        with self._lock:
            streams = list(self._streams.get(org_id, ()))
        for stream in streams:
            stream.push(name, data)

    def _tick(self) -> None:
        """Every ``heartbeat``: a keep-alive to each stream, or its end past its lifetime.

        One timer for the whole process: each wake-up of the loop costs the request
        threads a GIL hand-over, so 200 streams must not each keep a timer of their own.
        """
        if self._closed:
            return
        now = self.loop.time()
        for stream in self._all():
            if stream.deadline is not None and stream.deadline <= now:
                stream.end()
            elif stream.deadline is not None:
                stream.keep_alive()
        self._ticker = self.loop.call_later(self.heartbeat, self._tick)

    def _resnapshot_all(self) -> None:
        with self._lock:
            orgs = list(self._streams)
        for org_id in orgs:
            asyncio.ensure_future(self._resnapshot(org_id))

    async def _resnapshot(self, org_id: int) -> None:
        try:
            data = await self.loop.run_in_executor(None, self.read_snapshot, org_id)
        except Exception:  # the database is down: the next event heals it
            log.warning("live: cannot re-read the snapshot of org %s", org_id, exc_info=True)
            return
        self._deliver(org_id, "snapshot", data)

    def close(self) -> None:
        """Stop listening and end every stream (the server is stopping; they reconnect)."""
        self._closed = True
        self._unsubscribe()
        if self._ticker is not None:
            self._ticker.cancel()
        for stream in self._all():
            stream.end()

    def _all(self) -> list:
        with self._lock:
            return [s for group in self._streams.values() for s in group]
