"""Live updates of the account page: Server-Sent Events that hold no request thread.

GET /account/events (HTML Living Standard §9.2, Server-sent events) checks the person
and the organisation on a request thread like any view, takes a stream slot, reads the
first snapshot and *hands the response over* to the server's event loop
(idp/web/asgi.py): the thread returns at once, and the loop sends each message of the
organisation's channel (live_hub.Hub), a keep-alive comment every ``live_heartbeat``
seconds, and ends the stream after about ``live_stream_lifetime`` seconds; the
browser's EventSource then reconnects (``retry``). See docs/live-updates.md.

Caps: ``live_streams_per_person`` and ``live_streams_per_organization`` are slots in the
shared store (every instance counts), each with a lease that outlives the stream, so a
process that died frees its slots by itself; ``live_streams_per_process`` is counted by
the hub. A stream that cannot be served — a cap is reached, the store is down, or the
server has no event loop (a plain WSGI server, Flask's test client) — is answered at once
with ``X-Idp-Poll`` naming GET /account/state, which the page polls instead (the same
snapshot as JSON, with an ETag).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import secrets
import threading

from flask import Response, current_app, jsonify, request, url_for

from ..billing.accounts import snapshot
from ..extensions import db
from ..ops.metrics import LIVE_REFUSED
from ..storage.store import StoreUnavailable, get_store
from .asgi import front_of, hand_over
from .live_hub import Hub

RETRY_MS = 2000
LEASE_MARGIN = 60.0  # a slot outlives its stream by this much, then expires by itself
QUEUE_SIZE = 64
KEEP_ALIVE = b": keep-alive\n\n"
_END = object()
_hub_lock = threading.Lock()


def _event(name: str, data: str) -> bytes:
    return f"event: {name}\ndata: {data}\n\n".encode()


class StreamRefused(Exception):
    """No stream for this page now (``reason``); it polls instead."""

    def __init__(self, reason: str, status: int = 429):
        super().__init__(reason)
        self.reason, self.status = reason, status


def open_stream(org_id: int, user_id: int) -> Response:
    """Answer GET /account/events: a handed-over stream, or "poll instead"."""
    front, settings = front_of(request.environ), current_app.config["IDP"]
    if front is None:
        return _poll_instead(org_id, StreamRefused("no_event_loop", 204))
    hub = hub_of(front)
    if not hub.reserve():
        return _poll_instead(org_id, StreamRefused("process"))
    try:
        release = _take_slots(org_id, user_id, settings)
    except StreamRefused as refused:
        hub.unreserve()
        return _poll_instead(org_id, refused)
    stream = LiveStream(hub, org_id, release, settings)
    hub.attach(org_id, stream)
    try:
        hub.wait_ready()  # from here on every change reaches the stream
        first = json.dumps(snapshot(org_id))
    except BaseException:
        hub.detach(org_id, stream)
        release()
        raise
    hand_over(request.environ, stream)
    return Response(f"retry: {RETRY_MS}\n".encode() + _event("snapshot", first),
                    mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _take_slots(org_id: int, user_id: int, settings):
    """Take the person's and the organisation's slots; return the function that frees them."""
    member, store = secrets.token_hex(8), get_store()
    # One hash tag: the keys of one script share a Redis Cluster slot.
    keys = {f"{{live}}:org:{org_id}": settings.live_streams_per_organization,
            f"{{live}}:person:{user_id}": settings.live_streams_per_person}
    try:
        full = store.acquire_slot(member, keys, settings.live_stream_lifetime + LEASE_MARGIN)
    except StoreUnavailable:
        raise StreamRefused("store_unavailable", 503) from None
    if full is not None:
        raise StreamRefused("organization" if ":org:" in full else "person")

    def release() -> None:
        try:
            store.release_slot(member, *keys)
        except StoreUnavailable:
            pass  # the lease expires by itself

    return release


def _poll_instead(org_id: int, refused: StreamRefused) -> Response:
    """Tell the page to poll (any non-200 answer ends an EventSource; 204 is §9.2's "stop")."""
    reason, status = refused.reason, refused.status
    LIVE_REFUSED.labels(reason=reason).inc()
    settings = current_app.config["IDP"]
    poll = url_for("account.state", org=org_id)
    headers = {"X-Idp-Poll": poll, "Retry-After": str(settings.live_poll_interval),
               "Cache-Control": "no-store"}
    if status == 204:
        return Response(status=204, headers=headers)
    response = jsonify(error="too_many_streams" if status == 429 else "temporarily_unavailable",
                       error_description="Live updates are not available for this page now; "
                                         "poll the state instead.",
                       reason=reason, poll=poll, interval=settings.live_poll_interval)
    response.status_code = status
    response.headers.update(headers)
    return response


def current_state(org_id: int) -> tuple[str, str]:
    """GET /account/state: the snapshot as JSON and its ETag (cheap while unchanged)."""
    front = front_of(request.environ)

    def read() -> str:
        return json.dumps(snapshot(org_id))

    body = hub_of(front).state(org_id, read) if front is not None else read()
    return body, hashlib.sha256(body.encode()).hexdigest()[:32]


def hub_of(front) -> Hub:
    """This process's hub (made on first use, closed when the server stops)."""
    hub = front.state.get("live_hub")
    if hub is None:
        with _hub_lock:
            hub = front.state.get("live_hub")
            if hub is None:
                app = current_app._get_current_object()
                settings = app.config["IDP"]
                hub = Hub(get_store(), front.loop, settings.live_streams_per_process,
                          lambda org_id: _snapshot_in(app, org_id), settings.live_heartbeat)
                front.state["live_hub"] = hub
                front.on_shutdown(hub.close)
    return hub


def _snapshot_in(app, org_id: int) -> str:
    """The current state, read outside any request (a short-lived session, then closed)."""
    with app.app_context():
        try:
            return json.dumps(snapshot(org_id))
        finally:
            db.session.remove()


class LiveStream:
    """The rest of one /account/events response, produced on the event loop.

    It waits on its queue only: no timer of its own. The hub's one ticker per process
    queues the keep-alives and ends streams past their lifetime (live_hub.Hub._tick), so
    200 idle streams wake the loop once per ``live_heartbeat``, not 200 times.
    """

    def __init__(self, hub: Hub, org_id: int, release, settings):
        self.hub, self.org_id, self._release = hub, org_id, release
        self.lifetime = settings.live_stream_lifetime * random.uniform(0.9, 1.0)
        self.deadline: float | None = None  # loop time; set when the loop starts sending
        self.queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = self.closed = False

    def push(self, name: str, data: str) -> None:
        """Queue an event (event loop only). A client too slow to take them is ended."""
        self._put(_event(name, data))

    def keep_alive(self) -> None:
        self._put(KEEP_ALIVE)

    def end(self) -> None:
        self._put(_END)

    def _put(self, item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed = True  # it reconnects and starts again from a snapshot

    def __aiter__(self):
        return self._chunks()

    async def _chunks(self):
        self.deadline = asyncio.get_running_loop().time() + self.lifetime
        while True:
            item = await self.queue.get()
            if item is _END or self.overflowed:
                return
            yield item

    async def aclose(self) -> None:
        """Leave the hub and give the slots back (once; the front always calls this)."""
        if self.closed:
            return
        self.closed = True
        self.hub.detach(self.org_id, self)
        await asyncio.get_running_loop().run_in_executor(None, self._release)
