"""A full flow, then every log line and every audit row is searched for what it used:
passwords (right and wrong), the client secret, the TOTP secret and codes, recovery codes,
the session cookie and the SSO session id."""

import io
import json
import logging

from idp.ops.logging import JsonFormatter, RequestIdFilter
from tests.helpers.totp import code_for, enrol, submit_code
from tests.helpers.web import csrf_token, login

WRONG = "Wr0ng-but-secret-passw0rd"


def test_a_full_flow_leaves_no_secret_in_logs_or_audit(app, user, make_client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        used = _flow(app, user, make_client)
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 15 and all(json.loads(line) for line in lines)
    from idp.audit import describe, search

    with app.app_context():
        audit_text = json.dumps([describe(e) for e in search(limit=10000)])
    assert "login.succeeded" in audit_text and "totp.used" in audit_text
    for secret in used:
        assert secret not in stream.getvalue(), f"a secret in the logs: {secret[:4]}…"
        assert secret not in audit_text, f"a secret in the audit log: {secret[:4]}…"


def _flow(app, user, make_client) -> list[str]:
    from idp.sessions import store as sso

    client = make_client()
    web = app.test_client()
    login(web, user["email"], WRONG)
    login(web, WRONG, user["password"])  # a password typed into the email field
    login(web, user["email"], user["password"])
    cookie = web.get_cookie("idp_session").value
    with app.app_context():
        sids = [s.sid for s in sso.list_for_user(user["id"])]
    secret, codes = enrol(web)
    page = web.get("/signed-in").get_data(as_text=True)
    web.post("/logout", data={"csrf_token": csrf_token(page)})
    second = app.test_client()
    login(second, user["email"], user["password"])
    code = code_for(secret, 1)
    submit_code(second, "999999")
    submit_code(second, code)
    third = app.test_client()
    login(third, user["email"], user["password"])
    submit_code(third, codes[0])
    return [user["password"], WRONG, client["client_secret"], secret, code, codes[0], *codes,
            cookie, *sids]
