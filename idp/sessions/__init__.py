"""SSO sessions and logout.

One server-side session (sid) per signed-in browser, kept in the shared store
with idle and absolute lifetimes, indexed per user (``store``); the one way
sessions end (``service``), which queues back-channel logout tokens
(``logout_token``, ``backchannel``) that the worker (``worker``, ``sender``)
delivers with retries and a delivery log in Postgres; RP-initiated logout
request validation (``rp_logout``); entitlement losses turned into
back-channel logouts (``entitlements``).
"""


def init_app(app) -> None:
    """Wire the sessions part into an app (signal subscriptions, worker jobs; no threads)."""
    from ..billing.jobs import worker_job
    from ..oidc.jobs import worker_job as oidc_job
    from ..orgs.outbox import deliver_due
    from .entitlements import connect
    from .worker import JOBS

    connect()
    # Billing's expiry and renewal reminders, the outbox of lost access (retried until
    # announced) and the OIDC part's housekeeping run in the same worker loop.
    for job in (worker_job, deliver_due, oidc_job):
        if job not in JOBS:
            JOBS.append(job)
