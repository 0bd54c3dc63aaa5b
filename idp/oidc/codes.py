"""Authorization codes in the shared store, consumed once (RFC 6749 §4.1.2, RFC 9700 §4.2.1).

``code:<sha256>`` holds the code's binding (client, redirect URI, PKCE
challenge, nonce, scope, user, sid, auth_time, amr, acr) for at most
``authorization_code_lifetime`` seconds and is taken with GETDEL — one atomic
step, never read-then-delete. What a code produced is recorded under
``code:issued:<sha256>``; a second presentation sets ``code:replayed:<sha256>``.
Each write and its read of the other key are one atomic step (``set_and_get``):
whichever comes second sees the other, so a replay always
revokes what the first use issued (RFC 6749 §4.1.2: "SHOULD revoke").
"""

from __future__ import annotations

import hashlib
import json

from flask import current_app

from .. import clock
from ..storage.store import get_store


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def lifetime() -> int:
    return min(current_app.config["IDP"].authorization_code_lifetime, 600)


class StoredCode(dict):
    """A consumed code's binding, with Authlib's AuthorizationCodeMixin getters."""

    def get_redirect_uri(self):
        return self.get("redirect_uri")

    def get_scope(self):
        return self.get("scope") or ""

    def get_nonce(self):
        return self.get("nonce")

    def get_auth_time(self):
        return self.get("auth_time")

    def get_acr(self):
        return self.get("acr")

    def get_amr(self):
        return self.get("amr")

    @property
    def code_challenge(self):
        return self.get("code_challenge")

    @property
    def code_challenge_method(self):
        return self.get("code_challenge_method")


def save(code: str, binding: dict, marks: dict[str, str] | None = None) -> None:
    """Store a fresh code's binding until it expires.

    ``marks`` are other keys written with it, in the same atomic step, with the
    code's lifetime (at least a second): the nonce mark of grants/authorization_code.py.
    """
    ttl = lifetime()
    data = dict(binding, exp=clock.timestamp() + ttl)
    values = {f"code:{_digest(code)}": json.dumps(data), **(marks or {})}
    get_store().set_many(values, ttl=max(ttl, 1))


def consume(code: str) -> StoredCode | None:
    """Take the code (atomically); None when unknown, used or expired."""
    raw = get_store().getdel(f"code:{_digest(code)}")
    if raw is None:
        return None
    data = StoredCode(json.loads(raw))
    # The clock check matters too: the store's TTL runs on wall time only.
    return data if data["exp"] > clock.timestamp() else None


def record_issued(code: str, issued: dict) -> bool:
    """Remember what ``code`` produced; return True when a replay already happened."""
    digest = _digest(code)
    replayed = get_store().set_and_get(f"code:issued:{digest}", json.dumps(issued), lifetime(),
                                       f"code:replayed:{digest}")
    return replayed is not None


def mark_replayed(code: str) -> dict | None:
    """Flag a second presentation; return what the first one issued, if recorded yet."""
    digest = _digest(code)
    raw = get_store().set_and_get(f"code:replayed:{digest}", "1", lifetime(),
                                  f"code:issued:{digest}")
    return json.loads(raw) if raw else None
