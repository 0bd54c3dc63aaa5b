"""The live account stream: store pub/sub (Redis, shared by every instance) → SSE.

Lifecycle code publishes JSON on ``account:<org id>`` after each commit; each open
/account/events stream subscribes to that channel and forwards the messages as SSE
events. The stream starts with a snapshot and sends a fresh one shortly after (the
Redis subscription is established by a background thread, so a change in between is
never lost), then a comment every ``HEARTBEAT`` seconds; it ends after ``LIFETIME``
seconds and the browser's EventSource reconnects (``retry``).
"""

from __future__ import annotations

import json
import queue
import time

from flask import current_app

from ..extensions import db
from ..storage.store import get_store
from .accounts import snapshot
from .lifecycle import account_channel

HEARTBEAT = 15.0
RESNAPSHOT_AFTER = 1.0
LIFETIME = 300.0
RETRY_MS = 2000


def _event(name: str, data: str) -> str:
    return f"event: {name}\ndata: {data}\n\n"


def event_stream(org_id: int):
    """Return the SSE body iterator for organisation ``org_id`` (runs outside the request)."""
    app = current_app._get_current_object()
    messages: queue.Queue[str] = queue.Queue(maxsize=200)

    def deliver(message: str) -> None:
        try:
            messages.put_nowait(message)
        except queue.Full:
            pass  # a stuck client: the next snapshot heals it

    unsubscribe = get_store().subscribe(account_channel(org_id), deliver)
    first = _snapshot(app, org_id)

    def generate():
        try:
            yield f"retry: {RETRY_MS}\n" + _event("snapshot", first)
            yield from _pump(app, org_id, messages)
        finally:
            unsubscribe()

    return generate()


def _pump(app, org_id: int, messages: queue.Queue):
    started = time.monotonic()
    resnapshot_at = started + RESNAPSHOT_AFTER
    while time.monotonic() - started < LIFETIME:
        timeout = max(0.05, resnapshot_at - time.monotonic()) if resnapshot_at else HEARTBEAT
        try:
            yield _event("update", messages.get(timeout=timeout))
        except queue.Empty:
            if resnapshot_at:
                resnapshot_at = None
                yield _event("snapshot", _snapshot(app, org_id))
            else:
                yield ": keep-alive\n\n"


def _snapshot(app, org_id: int) -> str:
    """The current state, read on a short-lived session (no connection held by the stream)."""
    with app.app_context():
        try:
            return json.dumps(snapshot(org_id))
        finally:
            db.session.remove()

