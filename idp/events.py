"""In-process signals between parts that must not import each other.

A part announces what happened; another reacts in the same transaction of
work (blinker, which Flask already ships). Receivers must not raise for
"nothing to do".

- ``session_ended(sender, sid, user_id, clients, reason)``: an SSO session ended
  (logout, admin revoke, user disabled). The OIDC part revokes that session's
  refresh tokens (not offline_access ones); the back-channel part notifies clients.
- ``key_revoked(sender, kid)``: a signing key was revoked in an emergency; the
  OIDC part revokes the refresh-token families whose tokens that key signed.
- ``entitlements_changed(sender, organization_id, user_ids, lost_products, reason)``:
  an organisation's subscription, plan or memberships changed. ``lost_products``
  maps user_id → set of product codes that person can no longer use; the
  OIDC part revokes those refresh-token families, the sessions part sends
  back-channel logout to the clients of those products.
  It is sent only by the outbox of lost access (orgs/outbox.py), for a change
  made under ``orgs.changes.watch``: billing's changes too.
"""

from blinker import Namespace

_signals = Namespace()

session_ended = _signals.signal("session-ended")
key_revoked = _signals.signal("key-revoked")
entitlements_changed = _signals.signal("entitlements-changed")
