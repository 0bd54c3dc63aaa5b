"""A slow or dead back-channel receiver never slows a logout (issue 6 item 6): the logout
only queues deliveries; the worker talks to receivers, with its own timeout
(tests/sessions/test_worker.py covers the worker's side)."""

from __future__ import annotations

import time

from tests.helpers.ports import reserve_port
from tests.oidc.conftest import Flow
from tests.sessions.conftest import Receiver, deliveries


def test_logout_answers_at_once_with_a_sleeping_and_a_dead_receiver(app, web, user, make_client):
    sleepy = Receiver("sleepy").start()
    sleepy.delay = 5.0
    dead_url = f"http://127.0.0.1:{reserve_port()}/backchannel-logout"  # nothing listens there
    try:
        slow = make_client(first_party=True, backchannel_logout_uri=sleepy.url,
                           redirect_uri="https://slow.example/cb")
        gone = make_client(first_party=True, backchannel_logout_uri=dead_url,
                           redirect_uri="https://gone.example/cb",
                           post_logout_redirect_uris=["https://gone.example/bye"])
        Flow(web, slow, user).tokens()
        tokens = Flow(web, gone, user).tokens()

        started = time.monotonic()
        resp = web.get("/oauth2/logout", query_string={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://gone.example/bye"})
        elapsed = time.monotonic() - started
        assert resp.status_code == 302 and elapsed < 1.0, elapsed

        queued = {d["client_id"]: d["status"] for d in deliveries(app)}
        assert queued == {slow["client_id"]: "pending", gone["client_id"]: "pending"}
        assert sleepy.received == []  # nobody was called while the person waited
    finally:
        sleepy.stop()
