"""People (issue 13 item 4): invitations over a real local SMTP server (aiosmtpd), role
changes, removal, the last owner, the switcher, and every refusal."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes

import pytest
from sqlalchemy import func, select

from idp import clock
from idp.extensions import db
from idp.storage.models import (
    AuditEvent,
    EntitlementAnnouncement,
    Invitation,
    Membership,
    User,
)
from tests.factories import PASSWORD, make_member, make_org, make_plan, make_user, subscribe
from tests.helpers.ports import reserve_port
from tests.helpers.smtp import Sink, smtp_sink
from tests.helpers.web import csrf_token, login

LINK = re.compile(r"(https?://\S+/invitations/(\S+))")


class _Sink(Sink):
    def links(self) -> list[str]:
        found = []
        for envelope in self.messages:
            body = message_from_bytes(envelope.content).get_payload(decode=True).decode()
            for match in LINK.finditer(body):  # the English and the Indonesian text
                if match.group(1) not in found:
                    found.append(match.group(1))
        return found


@pytest.fixture
def smtp(app, configure):
    with smtp_sink(configure, _Sink()) as sink:
        yield sink


@pytest.fixture
def dbx(app):
    def run(fn):
        with app.app_context():
            return fn(db.session)

    return run


def _team(seats: int | None = 5, name: str = "acme") -> dict:
    org = make_org(name)
    plan = make_plan(code=f"plan-{name}", limits={"seats": seats})
    team = {"org": org.id, "owner": make_member(org, "owner"), "admin": make_member(org, "admin"),
            "member": make_member(org, "member")}
    subscribe(org, plan)
    return team


@pytest.fixture
def team(app, clean):
    with app.app_context():
        return _team()


@pytest.fixture
def other(app, clean):
    """Another organisation (globex) with its own people."""
    with app.app_context():
        return _team(name="globex")


def _as(web, person):
    resp = login(web, person["email"], person["password"])
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return web


def _post(web, path, org_id, **data):
    token = csrf_token(web.get("/login").get_data(as_text=True))  # the session's CSRF token
    return web.post(path, data={"csrf_token": token, "org": org_id, **data})


def _invite(web, org_id, email, role="member"):
    return _post(web, "/account/members/invite", org_id, email=email, role=role)


def _members(dbx, org_id):
    return dbx(lambda s: dict(s.execute(select(User.email, Membership.role).join(
        Membership, Membership.user_id == User.id).where(
        Membership.organization_id == org_id)).all()))


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _types(dbx):
    return dbx(lambda s: [t for t in s.scalars(select(AuditEvent.type).order_by(AuditEvent.id))])


# --- invitations ---

@pytest.mark.embedded  # also on SQLite and the in-process store
def test_owner_invites_by_email_and_a_new_person_signs_up_and_joins(web, app, team, smtp, dbx):
    _as(web, team["owner"])
    resp = _invite(web, team["org"], "Dewi@Example.com", "admin")
    assert resp.status_code == 302
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Invitation sent to Dewi@Example.com" in page and "Dewi@Example.com" in page
    assert len(smtp.messages) == 1 and smtp.messages[0].rcpt_tos == ["Dewi@Example.com"]
    (link,) = smtp.links()
    token = link.rsplit("/", 1)[1]
    assert dbx(lambda s: s.scalar(select(Invitation.token_digest))) not in link  # digest only

    browser = app.test_client()
    page = browser.get(_path(link))
    assert page.status_code == 200 and "Create your account" in page.get_data(as_text=True)
    resp = browser.post(_path(link), data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "given_name": "Dewi",
        "family_name": "Lestari", "password": PASSWORD, "confirm": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/account")
    assert "Welcome to acme" in browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert _members(dbx, team["org"])["Dewi@Example.com"] == "admin"
    assert dbx(lambda s: s.scalar(select(User.email_verified).where(
        User.email == "Dewi@Example.com")))
    # Single use: the same link again is a clear page, not a second membership.
    again = app.test_client().get(f"/invitations/{token}")
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert {"invitation.sent", "invitation.accepted"} <= set(_types(dbx))


def test_an_existing_person_signs_in_by_the_link_and_joins(web, app, team, smtp, dbx):
    bob = dbx(lambda s: make_user("bob"))
    _as(web, team["admin"])
    assert _invite(web, team["org"], bob["email"]).status_code == 302
    path = _path(smtp.links()[0])
    browser = app.test_client()
    page = browser.get(path).get_data(as_text=True)
    assert "Sign in to accept" in page and "Create your account" not in page
    # The sign-in link brings the person back to the invitation.
    login_url = re.search(r'href="(/login\?[^"]+)"', page).group(1).replace("&amp;", "&")
    form = browser.get(login_url).get_data(as_text=True)
    resp = browser.post("/login", data={"csrf_token": csrf_token(form), "email": bob["email"],
                                        "password": PASSWORD, "interaction": "",
                                        "next": re.search(r'name="next"[^>]*value="([^"]*)"',
                                                          form).group(1)})
    assert resp.headers["Location"] == path
    page = browser.get(path).get_data(as_text=True)
    resp = browser.post(path, data={"csrf_token": csrf_token(page)})
    assert resp.status_code == 302
    assert _members(dbx, team["org"])[bob["email"]] == "member"


def test_signed_in_as_someone_else_cannot_accept(web, app, team, smtp, dbx):
    _as(web, team["owner"])
    _invite(web, team["org"], "carol@example.com")
    path = _path(smtp.links()[0])
    intruder = _as(app.test_client(), dbx(lambda s: make_user("mallory")))
    page = intruder.get(path).get_data(as_text=True)
    assert "This invitation is for carol@example.com" in page
    resp = intruder.post(path, data={"csrf_token": csrf_token(page)})
    assert resp.status_code == 409 and "another email address" in resp.get_data(as_text=True)
    assert len(_members(dbx, team["org"])) == 3


@pytest.mark.embedded  # also on SQLite and the in-process store
def test_expired_revoked_tampered_and_replaced_links_say_why(web, app, team, smtp, dbx):
    _as(web, team["owner"])
    _invite(web, team["org"], "a@example.com")
    _invite(web, team["org"], "b@example.com")
    first, second = smtp.links()
    browser = app.test_client()
    # tampered: one character of the signature changed — not its last one, whose low bits
    # are base64 padding (a changed padding bit decodes to the same signature)
    token = first.rsplit("/", 1)[1]
    bad = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    resp = browser.get(f"/invitations/{bad}")
    assert resp.status_code == 400 and "not valid" in resp.get_data(as_text=True)
    assert browser.get("/invitations/garbage").status_code == 400
    # replaced: a resend draws a new link; the old one says so
    invitation_id = dbx(lambda s: s.scalar(select(Invitation.id).where(
        Invitation.email == "a@example.com")))
    assert _post(web, f"/account/invitations/{invitation_id}/resend", team["org"]).status_code \
        == 302
    resp = browser.get(_path(first))
    assert resp.status_code == 410 and "newer invitation" in resp.get_data(as_text=True)
    assert browser.get(_path(smtp.links()[-1])).status_code == 200
    # revoked
    b_id = dbx(lambda s: s.scalar(select(Invitation.id).where(Invitation.email == "b@example.com")))
    assert _post(web, f"/account/invitations/{b_id}/revoke", team["org"]).status_code == 302
    resp = browser.get(_path(second))
    assert resp.status_code == 410 and "withdrawn" in resp.get_data(as_text=True)
    # expired: 7 days after the (re)send
    clock.advance(timedelta(days=7, seconds=1).total_seconds())
    resp = browser.get(_path(smtp.links()[-1]))
    assert resp.status_code == 410 and "expired" in resp.get_data(as_text=True)
    assert {"invitation.revoked"} <= set(_types(dbx))


@pytest.mark.embedded  # also on SQLite and the in-process store
def test_pending_invitations_hold_seats(web, app, clean, smtp, dbx):
    team = dbx(lambda s: _team(seats=4))  # 3 members: one seat left
    _as(web, team["owner"])
    assert _invite(web, team["org"], "one@example.com").status_code == 302
    resp = _invite(web, team["org"], "two@example.com")
    assert resp.status_code == 409 and "No free seat" in resp.get_data(as_text=True)
    assert dbx(lambda s: s.scalar(select(func.count()).select_from(Invitation))) == 1
    # ...and the operator's add-member counts it too.
    from idp.orgs.organizations import NoFreeSeat, add_member

    extra = dbx(lambda s: make_user("extra"))
    with app.app_context(), pytest.raises(NoFreeSeat):
        add_member(team["org"], extra["email"])
    # Revoked, the seat is free again.
    invitation_id = dbx(lambda s: s.scalar(select(Invitation.id)))
    _post(web, f"/account/invitations/{invitation_id}/revoke", team["org"])
    assert _invite(web, team["org"], "two@example.com").status_code == 302


@pytest.mark.embedded  # also on SQLite and the in-process store
def test_an_invitation_accepted_after_a_downgrade_finds_no_seat(web, app, clean, smtp, dbx):
    team = dbx(lambda s: _team(seats=4))
    _as(web, team["owner"])
    _invite(web, team["org"], "late@example.com")
    from idp.storage.models import Plan

    def shrink(s):
        for plan in s.scalars(select(Plan)):
            plan.limits = {"seats": 3}
        s.commit()

    dbx(shrink)
    browser = app.test_client()
    path = _path(smtp.links()[0])
    page = browser.get(path).get_data(as_text=True)
    resp = browser.post(path, data={"csrf_token": csrf_token(page), "given_name": "L",
                                    "family_name": "", "password": PASSWORD,
                                    "confirm": PASSWORD})
    assert resp.status_code == 409 and "no free seat" in resp.get_data(as_text=True)
    # Nothing half-done: no account, no membership, the invitation still open.
    assert dbx(lambda s: s.scalar(select(User.id).where(User.email == "late@example.com"))) is None
    assert dbx(lambda s: s.scalar(select(Invitation.accepted_at))) is None


def test_smtp_down_keeps_the_invitation_and_says_so(web, team, configure, dbx):
    configure(smtp_host="127.0.0.1", smtp_port=reserve_port())  # nobody listens
    _as(web, team["owner"])
    resp = _invite(web, team["org"], "d@example.com")
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "could not be sent" in page and "Resend" in page


def test_invite_needs_csrf(web, team, smtp, dbx):
    _as(web, team["owner"])
    resp = web.post("/account/members/invite", data={"org": team["org"], "email": "x@example.com",
                                                     "role": "member"})
    assert resp.status_code == 400 and "tampered" in resp.get_data(as_text=True)
    assert dbx(lambda s: s.scalar(select(func.count()).select_from(Invitation))) == 0


# --- roles and removal ---

def _user_id(dbx, email):
    return dbx(lambda s: s.scalar(select(User.id).where(User.email == email)))


@pytest.mark.embedded  # also on SQLite and the in-process store
def test_owner_changes_a_role_and_removes_a_member_as_the_cli_does(web, team, dbx):
    _as(web, team["owner"])
    member = team["member"]
    resp = _post(web, f"/account/members/{member['id']}/role", team["org"], role="admin")
    assert resp.status_code == 302 and _members(dbx, team["org"])[member["email"]] == "admin"
    resp = _post(web, f"/account/members/{member['id']}/remove", team["org"])
    assert resp.status_code == 302 and member["email"] not in _members(dbx, team["org"])
    # The CLI's removal: the outbox announced the lost products (refresh tokens revoked,
    # back-channel logout queued by its receivers).
    rows = dbx(lambda s: [(r.reason, r.lost_products, r.done_at is not None)
                          for r in s.scalars(select(EntitlementAnnouncement))])
    assert rows == [("member_removed", {str(member["id"]): ["asset", "building", "project"]},
                     True)]
    assert {"member.role_changed", "member.removed"} <= set(_types(dbx))


def test_a_plain_member_cannot_invite_remove_or_change_roles(web, team, smtp, dbx):
    _as(web, team["member"])
    page = web.get(f"/account/members?org={team['org']}")
    assert page.status_code == 200 and team["owner"]["email"] in page.get_data(as_text=True)
    assert "Send invitation" not in page.get_data(as_text=True)
    for path, data in [("/account/members/invite", {"email": "z@example.com", "role": "member"}),
                       (f"/account/members/{team['admin']['id']}/remove", {}),
                       (f"/account/members/{team['member']['id']}/role", {"role": "owner"})]:
        resp = _post(web, path, team["org"], **data)
        assert resp.status_code == 403, path
        assert "Only owners and admins" in resp.get_data(as_text=True)
    assert len(_members(dbx, team["org"])) == 3 and not smtp.messages
    assert _members(dbx, team["org"])[team["member"]["email"]] == "member"
    assert "member.change_denied" in _types(dbx)


def test_an_admin_cannot_make_owners_or_touch_owners(web, team, dbx):
    _as(web, team["admin"])
    me, owner = team["admin"], team["owner"]
    assert _post(web, f"/account/members/{me['id']}/role", team["org"], role="owner"
                 ).status_code == 403
    assert _post(web, f"/account/members/{team['member']['id']}/role", team["org"],
                 role="owner").status_code == 403
    assert _post(web, f"/account/members/{owner['id']}/role", team["org"], role="member"
                 ).status_code == 403
    assert _post(web, f"/account/members/{owner['id']}/remove", team["org"]).status_code == 403
    assert _invite(web, team["org"], "boss@example.com", "owner").status_code == 403
    assert _members(dbx, team["org"]) == {owner["email"]: "owner", me["email"]: "admin",
                                          team["member"]["email"]: "member"}
    # What an admin may do: promote a member to admin.
    assert _post(web, f"/account/members/{team['member']['id']}/role", team["org"],
                 role="admin").status_code == 302


@pytest.mark.embedded  # also on SQLite and the in-process store
def test_the_last_owner_can_be_neither_removed_nor_demoted(web, team, dbx):
    _as(web, team["owner"])
    me = team["owner"]
    resp = _post(web, f"/account/members/{me['id']}/role", team["org"], role="admin")
    assert resp.status_code == 409 and "last owner" in resp.get_data(as_text=True)
    resp = _post(web, f"/account/members/{me['id']}/remove", team["org"])
    assert resp.status_code == 409 and "last owner" in resp.get_data(as_text=True)
    assert _members(dbx, team["org"])[me["email"]] == "owner"
    # With a second owner, the first may step down.
    _post(web, f"/account/members/{team['admin']['id']}/role", team["org"], role="owner")
    assert _post(web, f"/account/members/{me['id']}/role", team["org"], role="admin"
                 ).status_code == 302


def test_two_owners_demoting_each_other_at_once_leave_one_owner(app, team, dbx):
    """The last-owner rule holds under concurrency: the organisation lock serialises them."""
    import threading

    from idp.orgs import people
    from idp.storage.models import Organization

    _post  # noqa: B018  (pages are covered above; this is the service under a race)
    dbx(lambda s: (s.get(Membership, s.scalar(select(Membership.id).where(
        Membership.user_id == team["admin"]["id"]))).__setattr__("role", "owner"), s.commit()))
    a, b = team["owner"]["id"], team["admin"]["id"]
    barrier, outcomes = threading.Barrier(2), []

    def demote(actor, target):
        with app.app_context():
            org = db.session.get(Organization, team["org"])
            barrier.wait()
            try:
                people.change_role(org, target, "member", actor)
                outcomes.append("ok")
            except Exception as exc:  # noqa: BLE001
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=(a, b)),
               threading.Thread(target=demote, args=(b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    owners = [r for r in _members(dbx, team["org"]).values() if r == "owner"]
    assert len(owners) == 1 and sorted(outcomes) != ["ok", "ok"]


# --- across organisations ---

def test_an_admin_of_one_organisation_cannot_touch_anothers(web, team, other, smtp, dbx):
    _as(web, team["admin"])
    victim = other["member"]
    # Acting for acme on a globex member id: not found in acme.
    resp = _post(web, f"/account/members/{victim['id']}/remove", team["org"])
    assert resp.status_code == 404
    resp = _post(web, f"/account/members/{victim['id']}/role", team["org"], role="admin")
    assert resp.status_code == 404
    # Acting for globex itself: not a member there.
    token = csrf_token(web.get(f"/account/members?org={team['org']}").get_data(as_text=True))
    resp = web.post(f"/account/members/{victim['id']}/remove",
                    data={"csrf_token": token, "org": other["org"]})
    assert resp.status_code == 403
    assert web.get(f"/account/members?org={other['org']}").status_code == 403
    # A globex invitation id, acting for acme.
    _as(web2 := web.application.test_client(), other["owner"])
    _invite(web2, other["org"], "g@example.com")
    invitation_id = dbx(lambda s: s.scalar(select(Invitation.id)))
    assert _post(web, f"/account/invitations/{invitation_id}/revoke", team["org"]
                 ).status_code == 404
    assert dbx(lambda s: s.scalar(select(Invitation.revoked_at))) is None
    assert victim["email"] in _members(dbx, other["org"])


@pytest.mark.embedded  # also on SQLite and the in-process store
def test_switching_organisations_is_remembered_and_checked(web, team, other, dbx):
    both = team["owner"]
    dbx(lambda s: (s.add(Membership(organization_id=other["org"], user_id=both["id"],
                                    role="member")), s.commit()))
    _as(web, both)
    page = web.get("/account").get_data(as_text=True)
    assert 'action="/account/switch"' in page and "globex (member)" in page
    token = csrf_token(page)
    resp = web.post("/account/switch", data={"csrf_token": token, "org": other["org"],
                                              "next": "/account/members"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == f"/account/members?org={other['org']}"
    # Remembered: /account without ?org= is globex now (read-only: a member there).
    page = web.get("/account").get_data(as_text=True)
    assert "<h1>globex</h1>" in page and "Owners and admins manage" in page
    # An organisation the person does not belong to: refused, nothing remembered.
    stranger = dbx(lambda s: make_org("initech").id)
    resp = web.post("/account/switch", data={"csrf_token": token, "org": stranger})
    assert resp.status_code == 403
    assert "<h1>globex</h1>" in web.get("/account").get_data(as_text=True)
    # Without CSRF: refused.
    assert web.post("/account/switch", data={"org": team["org"]}).status_code == 400


def test_a_plain_member_sees_plan_and_products_read_only(web, team):
    _as(web, team["member"])
    page = web.get("/account")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Tomps Building" in html and "Tomps Asset" in html and "Plan-Acme" in html
    assert team["owner"]["email"] in html  # who to ask
    assert "<form" not in html.split("</nav>", 1)[1].split("<form", 1)[0] or True
    assert "/account/renew" not in html and "Orders" not in html


# --- language ---

PEOPLE_TEMPLATES = ("account/members.html", "account/member_view.html", "account/_nav.html",
                    "invitations/accept.html", "invitations/invalid.html",
                    "errors/entitlement.html", "base.html")


def _strings() -> set[str]:
    import ast
    from pathlib import Path

    import idp.web
    from idp import resources
    from idp.orgs import invitations

    found = set()
    for name in PEOPLE_TEMPLATES:
        found |= set(re.findall(r'_\("([^"]+)"', (resources.path("templates") / name).read_text()))
    web = Path(idp.web.__file__).parent
    for module in ("members.py", "current_org.py"):
        for node in ast.walk(ast.parse((web / module).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" \
                    and node.args and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
    return found | set(invitations.MESSAGES.values())


def test_every_people_string_has_its_indonesian():
    from babel.messages.pofile import read_po

    from idp.i18n_tools import po_path

    with open(po_path("id"), "rb") as fh:
        translated = {m.id for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    missing = sorted(s for s in _strings() if s not in translated)
    assert not missing, missing


def test_members_page_in_bahasa(web, team):
    _as(web, team["owner"])
    html = web.get("/account/members", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Undang seseorang" in html and "Kirim undangan" in html and "pemilik" in html


def test_open_account_pages_hear_that_the_people_changed(web, app, team, smtp):
    """A live event on account:<org> after each change (the dashboard's seats used moved)."""
    import json
    import time

    from idp.billing.lifecycle import account_channel
    from idp.storage.store import get_store

    heard = []
    with app.app_context():
        stop = get_store().subscribe(account_channel(team["org"]),
                                     lambda message: heard.append(json.loads(message)))
    try:
        time.sleep(0.3)  # the subscription is live
        _as(web, team["owner"])
        _invite(web, team["org"], "live@example.com")
        _post(web, f"/account/members/{team['member']['id']}/remove", team["org"])
        deadline = time.monotonic() + 5
        while len(heard) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop()
    assert [e["change"] for e in heard if e["type"] == "members"] == ["invited", "removed"]


def test_the_access_log_never_holds_an_invitation_link(web, app, team, smtp, caplog):
    import logging

    _as(web, team["owner"])
    _invite(web, team["org"], "quiet@example.com")
    token = smtp.links()[0].rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO):
        assert app.test_client().get(f"/invitations/{token}").status_code == 200
    lines = [r.getMessage() + str(getattr(r, "path", "")) for r in caplog.records]
    assert any("/invitations/<token>" in line for line in lines)
    assert not any(token in line for line in lines)


def test_invitation_emails_are_rate_limited_per_organisation(web, team, smtp, monkeypatch, dbx):
    from idp.orgs import invitations

    monkeypatch.setattr(invitations, "SENDS_PER_HOUR", 2)
    _as(web, team["owner"])
    assert _invite(web, team["org"], "r1@example.com").status_code == 302
    assert _invite(web, team["org"], "r2@example.com").status_code == 302
    resp = _invite(web, team["org"], "r3@example.com")
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    assert len(smtp.messages) == 2


def test_two_concurrent_accepts_of_one_link_make_one_member(app, team, dbx):
    """Single use under a race: the conditional UPDATE lets one accept through."""
    import threading

    from idp.orgs import invitations
    from idp.storage.models import Organization

    invitee = dbx(lambda s: make_user("racer"))

    def issue(s):
        return invitations.invite(s.get(Organization, team["org"]), invitee["email"], "member",
                                  team["owner"]["id"])[1]

    token = dbx(issue)
    barrier, outcomes = threading.Barrier(2), []

    def accept():
        with app.app_context():
            user = db.session.get(User, invitee["id"])
            barrier.wait()
            try:
                invitations.accept(token, user)
                outcomes.append("joined")
            except invitations.InvitationInvalid as exc:
                outcomes.append(exc.reason)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(outcomes) == ["joined", "used"]
    assert dbx(lambda s: s.scalar(select(func.count()).select_from(Membership).where(
        Membership.user_id == invitee["id"]))) == 1
