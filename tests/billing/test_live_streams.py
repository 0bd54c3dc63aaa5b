"""Open account pages cannot stall the IdP (issue 11, item 2).

A real server (`idp serve`, gunicorn, 2 workers × 4 threads, Postgres + Redis) with 60 open
/account/events streams across 5 organisations: discovery and the token endpoint still
answer at once, an update published to an organisation reaches every stream it has open,
a stream over the per-person cap is refused at once and the page's polling endpoint
serves the new state after a change, and a stream whose client closed frees its slot.
(Before the fix each stream held one of the 8 request threads: 8 streams stopped all.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from bench.sse import Streams
from idp.billing.lifecycle import publish_account_event
from idp.extensions import db
from idp.storage.models import Organization
from idp.storage.store import get_store
from tests.conftest import ROOT
from tests.factories import make_member, make_org, make_plan
from tests.helpers.ports import reserve_port
from tests.helpers.web import CSRF_RE

ORGS, ADMINS, PER_ADMIN = 5, 4, 3  # 60 streams; the per-person cap is 3
PROMPT = 2.0  # seconds: generous; a stalled server never answers (the client gives up)


@pytest.fixture
def idp_server(app, clean):
    with _serve() as (base, _):
        yield base


@contextlib.contextmanager
def _serve(workers=2):
    port = reserve_port()
    env = {**os.environ, "PYTHONPATH": ROOT, "IDP_ISSUER": f"http://127.0.0.1:{port}",
           "IDP_LIVE_HEARTBEAT": "1", "IDP_LIVE_STREAMS_PER_PERSON": str(PER_ADMIN),
           "IDP_LIVE_POLL_INTERVAL": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "idp", "serve", "--port", str(port),
                             "--workers", str(workers), "--threads", "4"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until(lambda: _get(base + "/readyz").status_code == 200, 60, proc)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(20)


def _get(url, **kwargs):
    try:
        return requests.get(url, timeout=PROMPT, **kwargs)
    except requests.ConnectionError:
        return requests.Response()


def _wait_until(condition, timeout, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError("idp serve exited: " + proc.stderr.read()[-2000:])
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def tenants(app, clean, make_client):
    with app.app_context():
        make_plan()
        orgs = [make_org(f"tenant-{i}") for i in range(ORGS)]
        admins = {org.id: [make_member(org, "admin") for _ in range(ADMINS)] for org in orgs}
    service = make_client(name="Service", grant_types=["client_credentials"])
    return admins, service


def _sign_in(base, person) -> requests.Session:
    browser = requests.Session()
    token = CSRF_RE.search(browser.get(f"{base}/login", timeout=10).text).group(1)
    resp = browser.post(f"{base}/login", data={"email": person["email"], "password":
                        person["password"], "csrf_token": token}, timeout=10)
    assert resp.ok
    return browser


def _cookie(browser) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def _token(base, service) -> requests.Response:
    return requests.post(f"{base}/oauth2/token", data={"grant_type": "client_credentials"},
                         auth=(service["client_id"], service["client_secret"]), timeout=PROMPT)


def test_sixty_open_streams_leave_discovery_and_tokens_prompt(app, idp_server, tenants):
    admins, service = tenants
    base, streams = idp_server, Streams()
    try:
        browsers = {p["id"]: _sign_in(base, p) for people in admins.values() for p in people}
        opened = {org_id: [] for org_id in admins}
        for org_id, people in admins.items():
            for person in people:
                for _ in range(PER_ADMIN):
                    stream = streams.open(f"{base}/account/events?org={org_id}",
                                          _cookie(browsers[person["id"]]))
                    assert stream.status == 200, stream.body
                    opened[org_id].append(stream)
        everyone = [s for group in opened.values() for s in group]
        assert len(everyone) == 60
        for stream in everyone:  # each is subscribed once its first snapshot came
            assert json.loads(stream.next_event("snapshot")[1])["type"] == "snapshot"

        for _ in range(10):
            started = time.monotonic()
            assert requests.get(f"{base}/.well-known/openid-configuration",
                                timeout=PROMPT).status_code == 200
            assert _token(base, service).status_code == 200
            assert time.monotonic() - started < 2 * PROMPT

        first = next(iter(admins))
        with app.app_context():
            publish_account_event(first, {"type": "order", "order_id": 1, "status": "paid"})
        for stream in opened[first]:
            assert json.loads(stream.next_event("update")[1])["status"] == "paid"
        assert all(s.events.empty() for org_id, group in opened.items() if org_id != first
                   for s in group)
        assert all(not s.closed.is_set() for s in everyone)
    finally:
        streams.close_all()


def test_a_stream_over_the_cap_is_refused_and_the_page_polls(app, idp_server, tenants):
    admins, _ = tenants
    org_id, person = next(iter(admins.items()))[0], admins[next(iter(admins))][0]
    base, streams = idp_server, Streams()
    browser = _sign_in(base, person)
    try:
        held = [streams.open(f"{base}/account/events?org={org_id}", _cookie(browser))
                for _ in range(PER_ADMIN)]
        assert [s.status for s in held] == [200] * PER_ADMIN
        started = time.monotonic()
        refused = streams.open(f"{base}/account/events?org={org_id}", _cookie(browser))
        assert time.monotonic() - started < PROMPT
        assert refused.status == 429
        assert refused.headers["x-idp-poll"] == f"/account/state?org={org_id}"
        assert json.loads(refused.body)["reason"] == "person"

        with app.app_context():
            from idp.billing.orders import create_order
            from idp.storage.models import Plan

            order, _ = create_order(db.session.get(Organization, org_id),
                                    db.session.scalar(db.select(Plan)))
            order_id = order.id
        poll = f"{base}{refused.headers['x-idp-poll']}"
        before = browser.get(poll, timeout=PROMPT)
        assert before.status_code == 200 and before.headers["Cache-Control"] == "no-store"
        assert {"order_id": order_id, "status": "awaiting_payment"} in before.json()["orders"]
        unchanged = browser.get(poll, headers={"If-None-Match": before.headers["ETag"]},
                                timeout=PROMPT)
        assert unchanged.status_code == 304 and not unchanged.content

        with app.app_context():
            from idp.billing.payments import mark_paid

            mark_paid(order_id, "bank-ref-1")  # publishes the change, like a gateway callback
        _wait_until(lambda: browser.get(poll, headers={"If-None-Match": before.headers["ETag"]},
                                        timeout=PROMPT).status_code == 200, 5)
        after = browser.get(poll, timeout=PROMPT).json()
        assert {"order_id": order_id, "status": "paid"} in after["orders"]
        assert after["subscription"]["status"] == "active"
    finally:
        streams.close_all()


def test_a_closed_stream_frees_its_slot(app, idp_server, tenants):
    admins, _ = tenants
    org_id = next(iter(admins))
    person = admins[org_id][0]
    base, streams = idp_server, Streams()
    browser = _sign_in(base, person)
    slots = f"{{live}}:person:{person['id']}"
    try:
        held = [streams.open(f"{base}/account/events?org={org_id}", _cookie(browser))
                for _ in range(PER_ADMIN)]
        with app.app_context():
            store = get_store()
            assert store.slot_count(slots) == PER_ADMIN
            streams.close(held[0])  # the tab is closed: FIN
            _wait_until(lambda: store.slot_count(slots) == PER_ADMIN - 1, 5)
        again = streams.open(f"{base}/account/events?org={org_id}", _cookie(browser))
        assert again.status == 200
    finally:
        streams.close_all()


def test_a_graceful_reload_ends_streams_at_once_and_frees_their_slots(app, clean, tenants):
    """gunicorn HUP: the old worker ends its streams (they reconnect to the new one) instead
    of holding on until it is killed, and gives their slots back."""
    admins, _ = tenants
    org_id = next(iter(admins))
    person = admins[org_id][0]
    slots = f"{{live}}:org:{org_id}"
    with _serve(workers=1) as (base, proc):
        browser, streams = _sign_in(base, person), Streams()
        try:
            held = [streams.open(f"{base}/account/events?org={org_id}", _cookie(browser))
                    for _ in range(PER_ADMIN)]
            assert [s.status for s in held] == [200] * PER_ADMIN
            started = time.monotonic()
            proc.send_signal(signal.SIGHUP)
            for stream in held:
                assert stream.closed.wait(8), "a stream outlived its worker's shutdown"
            assert time.monotonic() - started < 8  # gunicorn would kill it after 10 s
            with app.app_context():
                _wait_until(lambda: get_store().slot_count(slots) == 0, 5)
            again = streams.open(f"{base}/account/events?org={org_id}", _cookie(browser))
            assert again.status == 200
            assert _get(f"{base}/healthz").status_code == 200
        finally:
            streams.close_all()
