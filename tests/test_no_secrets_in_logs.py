"""A full flow, then every log line and every audit row is searched for what it used:
passwords (right and wrong), the client secret, the TOTP secret and codes, recovery codes,
the session cookie and the SSO session id — and, through the authorization server
(password login → authorize → code → token → userinfo → refresh → revoke → introspect →
RP-initiated logout with id_token_hint), the code, access, refresh and ID tokens.
Every logger runs at DEBUG (Authlib's "Issue token %r" included)."""

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
    loggers = [root, *(logging.getLogger(n) for n in list(logging.Logger.manager.loggerDict))]
    saved = {logger: logger.level for logger in loggers}
    root.addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        used = _oidc_flow(app, user, make_client) + _flow(app, user, make_client)
    finally:
        root.removeHandler(handler)
        for logger, level in saved.items():
            logger.setLevel(level)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 15 and all(json.loads(line) for line in lines)
    from idp.audit import describe, search

    with app.app_context():
        audit_text = json.dumps([describe(e) for e in search(limit=10000)])
    assert "login.succeeded" in audit_text and "totp.used" in audit_text
    assert "token.refused" in audit_text and "session.ended" in audit_text
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


def _oidc_flow(app, user, make_client) -> list[str]:
    from tests.oidc.conftest import Flow, basic

    # Before _flow enrols a second factor, so this login is by password alone.
    client = make_client(first_party=True, post_logout_redirect_uris=["https://rp.example/bye"])
    web = app.test_client()
    flow = Flow(web, client, user)
    code = flow.code()  # a password login on the way
    cookie = web.get_cookie("idp_session").value
    tokens = flow.exchange(code).get_json()
    assert "id_token" in tokens, tokens
    auth = basic(client["client_id"], client["client_secret"])
    assert web.get("/oauth2/userinfo", headers={
        "Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
    fresh = flow.refresh(tokens["refresh_token"]).get_json()
    assert "refresh_token" in fresh, fresh
    web.post("/oauth2/revoke", data={"token": fresh["refresh_token"],
                                     "token_type_hint": "refresh_token"}, headers=auth)
    web.post("/oauth2/introspect", data={"token": fresh["access_token"]}, headers=auth)
    resp = web.get("/oauth2/logout", query_string={
        "id_token_hint": fresh["id_token"], "post_logout_redirect_uri": "https://rp.example/bye"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert flow.exchange(code).status_code == 400  # a replay: refused and audited, not the code
    return [client["client_secret"], cookie, code, *(tokens[k] for k in (
        "access_token", "refresh_token", "id_token")), *(fresh[k] for k in (
        "access_token", "refresh_token", "id_token"))]
