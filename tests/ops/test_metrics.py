"""/metrics: request counts and latency by route, login failures, counters for other parts."""

import os
import subprocess
import sys

from idp.ops import metrics
from tests.conftest import ROOT
from tests.helpers.web import login


def scrape(web) -> str:
    resp = web.get("/metrics")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    return resp.get_data(as_text=True)


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_requests_are_counted_by_route_and_status(web):
    before = sample(scrape(web), "idp_http_requests_total", endpoint="/healthz", status="200")
    web.get("/healthz")
    web.get("/healthz")
    text = scrape(web)
    assert sample(text, "idp_http_requests_total", endpoint="/healthz", method="GET",
                  status="200") == before + 2
    assert sample(text, "idp_http_request_duration_seconds_count", endpoint="/healthz") >= 2


def test_unknown_paths_share_one_label(web):
    web.get("/no/such/page/x1y2z3")
    text = scrape(web)
    assert "x1y2z3" not in text
    assert sample(text, "idp_http_requests_total", endpoint="unmatched", status="404") >= 1


def test_login_failures_are_counted_by_reason(web, user):
    before = sample(scrape(web), "idp_login_failures_total", reason="bad_password")
    login(web, user["email"], "wrong")
    assert sample(scrape(web), "idp_login_failures_total", reason="bad_password") == before + 1


def test_counters_for_other_parts(web):
    text = scrape(web)
    tokens = sample(text, "idp_tokens_issued_total", grant="authorization_code")
    denials = sample(text, "idp_entitlement_denials_total", reason="not_entitled")
    metrics.count_token("authorization_code")
    metrics.count_entitlement_denial("not_entitled")
    text = scrape(web)
    assert sample(text, "idp_tokens_issued_total", grant="authorization_code") == tokens + 1
    assert sample(text, "idp_entitlement_denials_total", reason="not_entitled") == denials + 1


def test_metrics_can_be_switched_off(instances):
    assert instances(metrics_enabled=False).test_client().get("/metrics").status_code == 404


WORKER = """
import sys
from idp.ops import metrics
from tests.conftest import make_app
app = make_app()
if sys.argv[1] == "count":
    metrics.count_token("refresh_token")
else:
    print(app.test_client().get("/metrics").get_data(as_text=True))
"""


def test_multiprocess_mode_sums_every_worker(tmp_path, settings_env):
    """With PROMETHEUS_MULTIPROC_DIR, /metrics in one worker shows what all workers counted."""
    env = {**os.environ, **settings_env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
           "PYTHONPATH": ROOT}

    def run(mode):
        return subprocess.run([sys.executable, "-c", WORKER, mode], env=env, cwd=ROOT, check=True,
                              capture_output=True, text=True, timeout=60).stdout

    run("count")
    run("count")
    assert sample(run("scrape"), "idp_tokens_issued_total", grant="refresh_token") == 2
