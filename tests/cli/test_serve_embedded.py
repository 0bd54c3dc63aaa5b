"""`idp serve` with nothing configured: SQLite, in-process store, a KEK and a first key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.helpers.ports import reserve_port
from tests.helpers.waiting import eventually

pytestmark = pytest.mark.slow  # server processes

ROOT = Path(__file__).resolve().parents[2]


def _clean_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env["IDP_INSTANCE_PATH"] = str(tmp_path / "instance")
    env["IDP_KEYS_PATH"] = str(tmp_path / "keys")
    env["PYTHONPATH"] = str(ROOT)
    return env


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


def test_embedded_serve_answers_health_and_login(tmp_path):
    port = reserve_port()
    proc = subprocess.Popen([sys.executable, "-m", "idp", "serve", "--port", str(port)],
                            env=_clean_env(tmp_path), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        eventually(lambda: _answers(base + "/healthz"), timeout=30, interval=0.2,
                   message="idp serve did not come up")
        assert "Sign in" in requests.get(base + "/login", timeout=5).text
        assert requests.get(base + "/readyz", timeout=5).status_code == 200
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0]
    assert f"issuer http://127.0.0.1:{port}" in output
    assert "created a key-encryption key" in output
    assert "created a first RS256 signing key" in output
    assert (tmp_path / "instance" / "idp.sqlite3").exists()
    assert (tmp_path / "keys" / "dev-kek").exists()


def test_workers_without_redis_is_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "idp", "serve", "--workers", "2"],
                            env=_clean_env(tmp_path), cwd=tmp_path, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 1
    assert "IDP_REDIS_URL" in result.stderr and result.stderr.count("\n") == 1


def test_production_without_secrets_refuses_to_start(tmp_path):
    env = _clean_env(tmp_path) | {"IDP_ENV": "production"}
    result = subprocess.run([sys.executable, "-m", "idp", "serve"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "IDP_SECRET_KEY: required in production" in result.stderr


def test_wrong_key_encryption_key_stops_start_up(tmp_path):
    env = _clean_env(tmp_path)
    first = subprocess.run([sys.executable, "-m", "idp", "db", "upgrade"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    # Create the first key under the generated KEK, then swap the KEK.
    script = "from idp.cli.serve import prepare; from idp.cli.output import make_app; prepare(make_app())"
    subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, check=True,
                   capture_output=True, timeout=60)
    env["IDP_KEY_ENCRYPTION_KEY"] = "A" * 43
    result = subprocess.run([sys.executable, "-m", "idp", "serve"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "wrong key-encryption key" in result.stderr
