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
- ``subscription_changed(sender, organization_id, reason)``: billing started,
  extended, refunded or expired an organisation's subscription (after the
  commit). Whatever caches entitlements drops that organisation's entry, so the
  very next authorization reads the new state. Access *lost* is announced by
  ``entitlements_changed`` as well.
"""

from blinker import Namespace

_signals = Namespace()

session_ended = _signals.signal("session-ended")
key_revoked = _signals.signal("key-revoked")
entitlements_changed = _signals.signal("entitlements-changed")
subscription_changed = _signals.signal("subscription-changed")
