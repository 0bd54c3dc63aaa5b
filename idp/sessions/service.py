"""Ending sessions: the one path every sign-out takes (logout page, RP-initiated
logout, CLI revoke, user disabled, a new login replacing a session).

Ending a session (1) consumes it from the store once, (2) queues a
back-channel logout token for each of its clients that registered a URI
(Back-Channel Logout 1.0 §2.7) and (3) announces ``events.session_ended`` so
the OIDC part revokes that session's refresh tokens. Nothing here waits for a
client: delivery is the worker's job.
"""

from __future__ import annotations

import logging

from .. import events
from ..storage.transaction import transaction
from . import backchannel, store

log = logging.getLogger("idp.sessions")

# Reasons carried by events.session_ended and recorded on each delivery.
LOGOUT = "logout"
ADMIN_REVOKE = "admin_revoke"
USER_DISABLED = "user_disabled"
REPLACED = "replaced"


def end_session(sid: str, reason: str = LOGOUT) -> store.SSOSession | None:
    """End one SSO session; return it, or None when it was already gone."""
    session = store.end(sid)
    if session is None:
        return None
    # One unit of work: the delivery rows and whatever the receivers of session_ended
    # write (the OIDC part's refresh-token revocations) commit together; a receiver's
    # own transaction() joins this one instead of committing it early.
    with transaction(atomic=True):
        rows = backchannel.add(session.sid, session.user_id, session.clients, reason)
        events.session_ended.send(None, sid=session.sid, user_id=session.user_id,
                                  clients=list(session.clients), reason=reason)
    backchannel.schedule_rows(rows)
    log.info("session ended: user=%s reason=%s clients=%d", session.user_id, reason,
             len(session.clients))
    return session


def end_all_for_user(user_id: int, reason: str = ADMIN_REVOKE) -> int:
    """End every session of a person; return how many ended."""
    return sum(1 for live in store.list_for_user(user_id) if end_session(live.sid, reason))


def log_out_clients(session: store.SSOSession, client_ids, reason: str) -> list[int]:
    """Log ``client_ids`` out of a session that itself lives on (entitlement lost)."""
    targets = [c for c in session.clients if c in set(client_ids)]
    if not targets:
        return []
    # Queued first: if removing the clients then fails, a retry finds them and queues
    # again (a second logout token is harmless); the other order could lose the logout.
    queued = backchannel.enqueue(session.sid, session.user_id, targets, reason)
    store.remove_clients(session.sid, targets)
    return queued
