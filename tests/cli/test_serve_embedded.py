"""`idp serve` with nothing configured: SQLite, in-process store, a KEK and a first key."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env["IDP_INSTANCE_PATH"] = str(tmp_path / "instance")
    env["IDP_KEYS_PATH"] = str(tmp_path / "keys")
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_embedded_serve_answers_health_and_login(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "idp", "serve", "--port", str(port)],
                            env=_clean_env(tmp_path), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise AssertionError("idp serve did not come up")
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
