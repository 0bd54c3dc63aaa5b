"""The audit log: own transaction, scrubbed detail, the events recorded so far."""

import pytest
from sqlalchemy import select

from idp import audit
from idp.extensions import db
from idp.storage.models import AuditEvent, User
from idp.storage.transaction import transaction
from tests.helpers.web import csrf_token, login


def events(type_=None):
    return audit.search(type=type_, limit=1000)


def test_record_writes_one_row(ctx):
    audit.record("test.event", user_id=7, client_id="rp", ip="10.0.0.1", outcome="denied",
                 reason="because", detail={"organization": 3, "products": ["building"]})
    [event] = events("test.event")
    assert (event.user_id, event.client_id, event.ip, event.outcome, event.reason) == \
        (7, "rp", "10.0.0.1", "denied", "because")
    assert event.detail == {"organization": 3, "products": ["building"]}


def test_a_rolled_back_unit_of_work_keeps_its_audit_row(ctx):
    with pytest.raises(RuntimeError), transaction() as session:
        session.add(User(email="x@example.com", email_key="x@example.com"))
        audit.record("entitlement.denied", reason="not_entitled")
        raise RuntimeError("the request failed after deciding")
    assert len(events("entitlement.denied")) == 1
    assert db.session.scalar(select(User).where(User.email_key == "x@example.com")) is None


def test_record_does_not_commit_the_callers_work(ctx):
    db.session.add(User(email="y@example.com", email_key="y@example.com"))
    audit.record("test.event")
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.email_key == "y@example.com")) is None
    assert len(events("test.event")) == 1


SECRETS = {"password": "hunter2-pw", "client_secret": "cs-123", "refresh_token": "rt-456",
           "code": "authcode-789", "client_assertion": "assert-1", "id_token": "idt-2",
           "recovery_codes": ["rc-1"], "otp": "123456", "Authorization": "Basic abc",
           "code_verifier": "verif-1"}


def test_detail_is_scrubbed_of_secrets(ctx):
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    audit.record("test.scrub", reason=f"bad token {jwt}",
                 detail={**SECRETS, "nested": [{"access_token": "at-3"}], "note": f"got {jwt}",
                         "plan": "pro", "code_challenge_method": "S256", "kid": "k1"})
    [event] = events("test.scrub")
    text = repr(event.detail) + event.reason
    for value in ["hunter2-pw", "cs-123", "rt-456", "authcode-789", "assert-1", "idt-2", "rc-1",
                  "123456", "Basic abc", "verif-1", "at-3", jwt]:
        assert value not in text
    assert event.detail["plan"] == "pro" and event.detail["kid"] == "k1"
    assert event.detail["code_challenge_method"] == "S256"


def test_an_email_field_holding_a_password_is_not_stored(ctx):
    audit.record("login.failed", email="my secret password")
    assert events("login.failed")[0].email is None


def test_login_failure_is_recorded_with_a_private_reason(app, web, user):
    resp = login(web, user["email"], "wrong password")
    assert "bad_password" not in resp.get_data(as_text=True)
    login(web, "nobody@example.com", "x")
    with app.app_context():
        reasons = {(e.email, e.reason, e.user_id) for e in events("login.failed")}
    assert (user["email"], "bad_password", user["id"]) in reasons
    assert ("nobody@example.com", "unknown_user", None) in reasons


def test_login_success_and_logout_are_recorded(app, web, user):
    login(web, user["email"], user["password"])
    page = web.get("/signed-in").get_data(as_text=True)
    web.post("/logout", data={"csrf_token": csrf_token(page)})
    with app.app_context():
        [ok] = events("login.succeeded")
        [out] = events("logout")
    assert ok.user_id == out.user_id == user["id"] and ok.detail == {"amr": ["pwd"], "method": "password"}
    assert ok.ip == "127.0.0.1"


def test_signals_are_recorded(ctx):
    from idp.events import key_revoked, session_ended

    session_ended.send(None, sid="abcdefghijklmnop", user_id=5, clients=["rp"], reason="admin")
    key_revoked.send(None, kid="kid-1")
    [ended] = events("session.ended")
    assert ended.user_id == 5 and ended.reason == "admin"
    assert ended.detail == {"session": "abcdefgh", "clients": ["rp"]}
    assert events("key.revoked")[0].detail == {"kid": "kid-1"}


def test_client_changes_are_recorded_without_the_secret(ctx):
    from idp.clients import registry as clients

    client, secret = clients.create_client("RP", ["https://rp.example/cb"])
    clients.update_client(client.client_id, name="RP 2")
    _, new_secret = clients.rotate_secret(client.client_id)
    clients.delete_client(client.client_id)
    rows = events("client.")
    assert [e.type for e in rows] == ["client.created", "client.updated", "client.secret_rotated",
                                      "client.deleted"]
    assert all(e.client_id == client.client_id for e in rows)
    dump = repr([(e.detail, e.reason) for e in rows])
    assert secret not in dump and new_secret not in dump


def test_search_filters(ctx):
    from datetime import timedelta

    from idp import clock

    audit.record("login.failed", user_id=1, client_id="a")
    clock.advance(3600)
    audit.record("login.succeeded", user_id=2, client_id="b")
    assert [e.user_id for e in audit.search(user_id=2)] == [2]
    assert [e.client_id for e in audit.search(client_id="a")] == ["a"]
    assert len(audit.search(type="login.*")) == 2
    assert audit.search(type="login") == []
    assert [e.user_id for e in audit.search(since=clock.now() - timedelta(minutes=30))] == [2]
    assert db.session.scalar(select(AuditEvent.id).limit(1)) is not None


def test_operator_account_changes_are_recorded(ctx, user):
    from idp.accounts.users import set_disabled, set_password

    set_disabled(user["email"])
    set_disabled(user["email"], False)
    set_password(user["email"], "another long password")
    types = [e.type for e in audit.search(user_id=user["id"])]
    assert types == ["account.disabled", "account.enabled", "account.password_changed"]
    assert "another long password" not in repr([e.detail for e in audit.search()])


@pytest.mark.embedded
def test_a_logout_is_quick_and_recorded_on_every_backend(app, web, user):
    """On SQLite the audit connection waited for the logout's own write lock (5 s) and
    then lost session.ended: the row now joins the logout's unit of work."""
    import time

    login(web, user["email"], user["password"])
    page = web.get("/signed-in").get_data(as_text=True)
    started = time.monotonic()
    web.post("/logout", data={"csrf_token": csrf_token(page)})
    assert time.monotonic() - started < 2
    with app.app_context():
        assert [e.user_id for e in events("session.ended")] == [user["id"]]
        assert [e.user_id for e in events("logout")] == [user["id"]]
