"""idp audit tail / search."""

from idp import audit, clock


def seed(app, user):
    with app.app_context():
        audit.record("login.failed", user_id=user["id"], email=user["email"], reason="bad_password")
        audit.record("client.created", client_id="rp-1")
        clock.advance(7200)
        audit.record("login.succeeded", user_id=user["id"], email=user["email"])


def test_tail_json_lists_the_latest_events_oldest_first(app, user, run_json):
    seed(app, user)
    rows = run_json("audit", "tail", "-n", "2")
    assert [r["type"] for r in rows] == ["client.created", "login.succeeded"]
    assert set(rows[0]) >= {"id", "at", "type", "user_id", "client_id", "ip", "outcome", "reason",
                            "detail"}


def test_tail_table_for_people(app, user, run):
    seed(app, user)
    code, out, _ = run("audit", "tail")
    assert code == 0 and out.splitlines()[0].startswith("AT") and "login.failed" in out


def test_search_by_user_client_type_since(app, user, run_json):
    seed(app, user)
    assert {r["type"] for r in run_json("audit", "search", "--user", user["email"])} == \
        {"login.failed", "login.succeeded"}
    assert [r["type"] for r in run_json("audit", "search", "--client", "rp-1")] == ["client.created"]
    assert [r["type"] for r in run_json("audit", "search", "--type", "login.*")] == \
        ["login.failed", "login.succeeded"]
    assert [r["type"] for r in run_json("audit", "search", "--since", "1h")] == ["login.succeeded"]
    since_date = clock.now().date().isoformat()
    assert len(run_json("audit", "search", "--since", since_date)) >= 1


def test_bad_since_is_one_line_and_non_zero(run):
    code, out, err = run("audit", "search", "--since", "yesterday-ish")
    assert code != 0 and out == "" and err.startswith("idp: --since")
    assert len(err.strip().splitlines()) == 1


def test_unknown_user_is_one_line_and_non_zero(run):
    code, _, err = run("audit", "search", "--user", "ghost@example.com")
    assert code != 0 and err.startswith("idp: no user")
