"""SSO sessions and logout.

One server-side session (sid) per signed-in browser, kept in the shared store
with idle and absolute lifetimes, indexed per user (``store``); the one way
sessions end (``service``), which queues back-channel logout tokens
(``logout_token``, ``backchannel``) that the worker delivers with retries and a
delivery log in Postgres (``delivery``, ``sender``: a job of idp/worker.py);
entitlement losses turned into back-channel logouts (``entitlements``).
"""


def init_app(app) -> None:
    """Wire the sessions part into an app (its signal subscription; no threads)."""
    from .entitlements import connect

    connect()
