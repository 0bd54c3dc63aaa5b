"""Prometheus metrics at /metrics, and the counters other parts increment.

Several gunicorn workers each count for themselves; with the environment
variable ``PROMETHEUS_MULTIPROC_DIR`` set (an empty, writable directory,
wiped before start), prometheus_client writes every worker's values there
and /metrics sums them across workers. Without it, /metrics shows this
process only (enough for one process and for tests).
"""

from __future__ import annotations

import os
import time

from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("idp_http_requests_total", "HTTP requests by endpoint, method and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("idp_http_request_duration_seconds", "Request latency by endpoint.",
                    ["endpoint"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
LOGIN_FAILURES = Counter("idp_login_failures_total", "Failed logins by private reason.", ["reason"])
LOCKOUTS = Counter("idp_lockouts_total", "Lockouts started, by scope (account, ip).", ["scope"])
TOKENS = Counter("idp_tokens_issued_total", "Tokens issued, by grant type.", ["grant"])
ENTITLEMENT_DENIALS = Counter("idp_entitlement_denials_total", "Entitlement denials by reason.",
                              ["reason"])
RATE_LIMITED = Counter("idp_rate_limited_total", "Requests refused with 429, by limit.", ["limit"])
PASSKEYS = Counter("idp_passkey_events_total",
                   "Passkey ceremonies and changes, by ceremony (register, login, remove) and "
                   "outcome (success or the refusal's reason).", ["ceremony", "outcome"])
FEDERATION = Counter("idp_federation_events_total",
                     "Federated (upstream OIDC) sign-in events by outcome.", ["event"])
LIVE_STREAMS = Gauge("idp_live_streams", "Open /account/events streams.",
                     multiprocess_mode="livesum")
LIVE_REFUSED = Counter("idp_live_streams_refused_total",
                       "/account/events answered 'poll instead', by reason.", ["reason"])


def count_login_failure(reason: str) -> None:
    LOGIN_FAILURES.labels(reason=str(reason)[:40]).inc()


def count_federation(event: str) -> None:
    """Count one federation event (started, succeeded, a failure kind, backchannel_logout...)."""
    FEDERATION.labels(event=str(event)[:40]).inc()


def count_lockout(scope: str) -> None:
    LOCKOUTS.labels(scope=scope).inc()


LOOP = Counter("idp_loop_requests_total",
               "Machine-endpoint requests the event loop answered or left to Flask.",
               ["endpoint", "outcome"])
_loop_counters: dict = {}


def count_loop(endpoint: str, answered: bool) -> None:
    """Count one request of a loop handler (web/loop_routes.py): answered, or passed on."""
    key = (endpoint, answered)
    counter = _loop_counters.get(key)
    if counter is None:
        counter = _loop_counters.setdefault(key, LOOP.labels(
            endpoint=endpoint, outcome="answered" if answered else "passed"))
    counter.inc()


def count_token(grant: str) -> None:
    """Count one token response of ``grant`` (authorization_code, refresh_token...)."""
    TOKENS.labels(grant=str(grant)[:40]).inc()


def count_entitlement_denial(reason: str) -> None:
    """Count one refusal by the entitlement gate (not_entitled, subscription_expired...)."""
    ENTITLEMENT_DENIALS.labels(reason=str(reason)[:40]).inc()


def count_passkey(ceremony: str, outcome: str) -> None:
    """Count one passkey event: ``ceremony`` register|login|remove, ``outcome`` success or why."""
    PASSKEYS.labels(ceremony=ceremony[:16], outcome=str(outcome)[:32]).inc()


def count_rate_limited(limit: str) -> None:
    RATE_LIMITED.labels(limit=limit).inc()


# Labelled children, looked up once per label set (``labels()`` validates and locks on
# every call). The label sets are bounded: route patterns × methods × statuses.
_request_counters: dict[tuple, object] = {}
_latency_histograms: dict[str, object] = {}


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    # The route pattern, never the raw path: unknown paths cannot blow up label cardinality.
    rule = request.url_rule
    observe(rule.rule if rule is not None else "unmatched", request.method, response.status_code,
            None if started is None else time.perf_counter() - started)
    return response


def observe(endpoint: str, method: str, status: int, seconds: float | None) -> None:
    """Count one request of ``endpoint`` (a route pattern) and time it."""
    key = (endpoint, method[:10], status)
    counter = _request_counters.get(key)
    if counter is None:
        counter = _request_counters.setdefault(key, REQUESTS.labels(
            endpoint=endpoint, method=key[1], status=str(key[2])))
    counter.inc()
    if seconds is not None:
        histogram = _latency_histograms.get(endpoint)
        if histogram is None:
            histogram = _latency_histograms.setdefault(endpoint, LATENCY.labels(endpoint=endpoint))
        histogram.observe(seconds)


@bp.get("/metrics")
def metrics():
    if not current_app.config["IDP"].metrics_enabled:
        abort(404)
    registry = None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    body = generate_latest(registry) if registry else generate_latest()
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def register_metrics(app) -> None:
    """Time and count every request of ``app``."""
    app.before_request(_start_timer)
    app.after_request(_observe)
