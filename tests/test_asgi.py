"""The production entry point under gunicorn's asyncio worker (the Dockerfile's command):
`gunicorn -k idp.web.asgi_worker.Worker idp.asgi:app` serves the IdP and streams."""

import os
import subprocess
import sys

import requests

from tests.conftest import ROOT
from tests.helpers.ports import reserve_port
from tests.helpers.waiting import eventually


def _healthy(base: str, proc) -> bool:
    assert proc.poll() is None, proc.stderr.read()[-2000:]  # it died: fail at once
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except (requests.ConnectionError, requests.Timeout):  # still starting (a loaded machine)
        return False


def test_gunicorn_serves_the_asgi_entry_point(clean, settings_env):
    port = reserve_port()
    env = {**os.environ, **settings_env, "PYTHONPATH": ROOT,
           "IDP_ISSUER": f"http://127.0.0.1:{port}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "2", "--worker-class", "idp.web.asgi_worker.Worker", "idp.asgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        eventually(lambda: _healthy(base, proc), 60, 0.1, "gunicorn did not come up")
        discovery = requests.get(base + "/.well-known/openid-configuration", timeout=5)
        assert discovery.status_code == 200
        assert discovery.json()["issuer"] == f"http://127.0.0.1:{port}"
        assert requests.get(base + "/account/events", timeout=5).status_code == 401
    finally:
        proc.terminate()
        proc.wait(20)
