"""The OIDC part's housekeeping round of `idp worker`.

- Revocations of access tokens that have expired anyway are forgotten (revocations.py).
- A rotated refresh token's sealed successor response is dropped once its grace window
  is over: only a retry inside the window may read it (refresh.py), and a database dump
  should hold as few sealed tokens as possible.

Both are bulk statements on indexed columns, run at most every ``EVERY`` seconds per
process; running them twice, or on two workers at once, does no harm.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from .. import clock
from ..storage.models import RefreshToken
from ..storage.transaction import transaction
from . import revocations

EVERY = 60.0
_last_run = {"at": float("-inf")}


def forget_successor_responses() -> int:
    """Drop the sealed responses of rotations older than the grace window; return how many."""
    cutoff = clock.now() - timedelta(seconds=current_app.config["IDP"].refresh_token_grace)
    with transaction() as session:
        return session.execute(
            update(RefreshToken)
            .where(RefreshToken.successor_response.is_not(None), RefreshToken.rotated_at < cutoff)
            .values(successor_response=None)
            .execution_options(synchronize_session=False)).rowcount


def worker_job() -> int:
    """One housekeeping round when due; return how much it removed (0: nothing to do)."""
    if time.monotonic() - _last_run["at"] < EVERY:
        return 0
    _last_run["at"] = time.monotonic()
    return revocations.prune() + forget_successor_responses()
