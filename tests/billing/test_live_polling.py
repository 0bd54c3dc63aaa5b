"""The live page's fallback, through Flask's test client (no event loop: a plain WSGI
server): /account/events tells the page to poll, and /account/state serves the same
snapshot the stream starts with, with an ETag, to the same owners and admins only."""

import pytest

from idp.billing.orders import create_order
from idp.extensions import db
from idp.storage.models import Organization, Plan
from tests.factories import make_member, make_org, make_plan
from tests.helpers.web import login


@pytest.fixture
def acme(app, clean):
    with app.app_context():
        org = make_org("acme")
        make_plan()
        return {"org": org.id, "admin": make_member(org, "admin"),
                "member": make_member(org, "member"), "other": make_member(make_org(), "admin")}


def _sign_in(web, person):
    login(web, person["email"], person["password"])
    return web


def test_events_and_state_need_a_signed_in_person(web, acme):
    for path in ("/account/events", "/account/state"):
        assert web.get(f"{path}?org={acme['org']}").status_code == 401


@pytest.mark.parametrize("who", ["member", "other"])
def test_events_and_state_refuse_members_and_other_organisations(web, acme, who):
    _sign_in(web, acme[who])
    for path in ("/account/events", "/account/state"):
        assert web.get(f"{path}?org={acme['org']}").status_code == 403


def test_without_an_event_loop_the_stream_says_poll_at_once(web, acme):
    _sign_in(web, acme["admin"])
    resp = web.get(f"/account/events?org={acme['org']}")
    # §9.2: 204 tells an EventSource not to reconnect; the page polls instead.
    assert resp.status_code == 204 and not resp.data
    assert resp.headers["X-Idp-Poll"] == f"/account/state?org={acme['org']}"
    assert resp.headers["Retry-After"] == "10"


def test_state_is_the_snapshot_with_an_etag_and_changes_with_it(app, web, acme):
    _sign_in(web, acme["admin"])
    path = f"/account/state?org={acme['org']}"
    first = web.get(path)
    assert first.status_code == 200 and first.mimetype == "application/json"
    assert first.headers["Cache-Control"] == "no-store"
    assert first.json["orders"] == [] and first.json["type"] == "snapshot"
    assert first.json["subscription"]["status"] is None
    assert first.json["subscription"]["period_end"] is None
    etag = first.headers["ETag"]
    unchanged = web.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and not unchanged.data
    with app.app_context():
        order, _ = create_order(db.session.get(Organization, acme["org"]),
                                db.session.scalar(db.select(Plan)))
        order_id = order.id
    changed = web.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.json["orders"] == [{"order_id": order_id, "status": "awaiting_payment"}]


def test_the_page_names_its_stream_and_its_poll(web, acme):
    _sign_in(web, acme["admin"])
    page = web.get(f"/account?org={acme['org']}").get_data(as_text=True)
    assert f'data-live="/account/events?org={acme["org"]}"' in page
    assert f'data-poll="/account/state?org={acme["org"]}"' in page
    assert 'data-poll-interval="10"' in page
