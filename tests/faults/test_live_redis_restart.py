"""Live streams through a Redis restart: while it is down a new stream is refused at once
(the page then polls); an open stream stays open, and once the subscription is back it
gets a fresh snapshot (messages published meanwhile were lost) and later updates again."""

from __future__ import annotations

import json

import requests

from bench.sse import Streams
from idp.billing.lifecycle import publish_account_event
from tests.factories import make_member, make_org
from tests.helpers.asgi_server import serve
from tests.helpers.waiting import eventually
from tests.helpers.web import CSRF_RE


def test_streams_resnapshot_after_redis_returns(private_redis, instances):
    app = instances(redis_url=private_redis.url, live_heartbeat=1)
    with app.app_context():
        org = make_org("weather")
        admin = make_member(org, "admin")
        org_id = org.id
    streams = Streams()
    with serve(app) as base:
        browser = requests.Session()
        token = CSRF_RE.search(browser.get(f"{base}/login", timeout=5).text).group(1)
        browser.post(f"{base}/login", data={"email": admin["email"], "password":
                     admin["password"], "csrf_token": token}, timeout=5)
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
        url = f"{base}/account/events?org={org_id}"
        try:
            stream = streams.open(url, cookie)
            assert stream.status == 200
            stream.next_event("snapshot")

            private_redis.stop()
            # The sign-in itself lives in the store: 503 at once, and the page polls.
            assert streams.open(url, cookie, timeout=5).status == 503

            private_redis.start()  # empty, as after a crash
            stream.next_event("snapshot", timeout=15)  # resubscribed: re-read the state
            with app.app_context():
                eventually(lambda: _published(app, org_id), 5)
            assert json.loads(stream.next_event("update", timeout=5)[1])["status"] == "paid"
            assert not stream.closed.is_set()
        finally:
            streams.close_all()


def _published(app, org_id) -> bool:
    """Publish once the store answers again (it may still be reconnecting)."""
    from idp.storage.store import get_store

    if not get_store().ping():
        return False
    publish_account_event(org_id, {"type": "order", "order_id": 1, "status": "paid"})
    return True
